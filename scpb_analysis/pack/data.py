"""The data of one pack: every source found by one rule, each table made once and cached.

A notebook opens it with one call and hands its report blocks tables::

    data = open_pack_data(data_dir, borough, period_end, figures=figures)
    comparison = compare_periods(data.crime_for_period().table, borough, period_end, ...)

The area is a London borough (recorded crime from the MPS files) or, outside London, a
local authority (Community Safety Partnership) whose recorded crime is counted from its
force's police.uk files (:meth:`PackData.policeuk_area`); ``kind`` says which.

Sources are found where :func:`scpb_analysis.sources.datadir.locate_data` says they live
(``mps/borough``, ``mps/ward``, ``population``, ...). Each table is made the first time a page
asks for it, kept for the rest of the notebook and written to the on-disk cache
(:mod:`scpb_analysis.pack.cache`), so the next notebook of the build, and the next build,
read it instead of re-reading and re-harmonising the same files. A source the folder lacks
raises :class:`~scpb_analysis.core.errors.MissingSourceError`; :meth:`PackData.optional` turns
that (and only that) into None, so a malformed file still stops the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError, UnknownAreaError
from scpb_analysis.core.periods import to_month
from scpb_analysis.pack.cache import TableCache, default_cache_dir
from scpb_analysis.reference.geography import canonical_borough
from scpb_analysis.sources.datadir import DataFolder, locate_data, missing_note

__all__ = ["PackData", "area_kind", "latest_period_end", "open_pack_data"]

# The GLA ward profiles CSV (borough and London rows) is found in population/ by these columns.
_PROFILE_COLUMNS = ("Ward name", "New code", "Employment rate (16-64) - 2011")


@dataclass
class PackData:
    """The sources of one pack (a data folder, an area, a period), each loaded once.

    Attributes
    ----------
    folder : DataFolder
        Where each source lives (:func:`~scpb_analysis.sources.datadir.locate_data`).
    area : str
        The borough, canonically spelled; outside London the local authority as police.uk's
        lookup spells it (``"Bristol, City of"``).
    period_end : Period
        The last month reported.
    figures : {"as_published", "latest"}
        MPS figures as the board first saw them, or with later revisions.
    cache : TableCache
        The on-disk cache the tables come from.
    kind : {"london", "policeuk"}
        A London borough (MPS tables), or a local authority counted from police.uk.
    """

    folder: DataFolder
    area: str
    period_end: pd.Period
    figures: str = "as_published"
    cache: TableCache | None = None
    kind: str = "london"
    _made: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- what the folder holds ------------------------------------------------------------

    @property
    def root(self) -> Path:
        """The data folder."""
        return self.folder.root

    @property
    def title(self) -> str:
        """The area and period in words, for the top of every page.

        >>> PackData(None, "Camden", pd.Period("2024-01", "M")).title
        'Camden, period ending January 2024'
        """
        return f"{self.area}, period ending {self.period_end.strftime('%B %Y')}"

    @property
    def synthetic(self) -> bool:
        """True if the folder holds the synthetic demo data."""
        return self.folder.synthetic

    def has(self, *sources: str) -> bool:
        """True if every named source (``mps_borough``, ``population``, ...) is present."""
        return self.folder.has(*sources)

    def missing_notes(self, *sources: str) -> list[str]:
        """The "not in this data" note of each named source the folder lacks."""
        return [missing_note(s) for s in sources if not self.folder.has(s)]

    def optional(self, table: str) -> Any:
        """``getattr(self, table)()``, or None if a source it needs is not in the folder.

        Only :class:`~scpb_analysis.core.errors.MissingSourceError` becomes None: a file that
        is there but malformed still raises, so it is never reported as "not available".
        """
        try:
            return getattr(self, table)()
        except MissingSourceError:
            return None

    def _table(self, kind: str, make: Callable[[], Any], **params: Any) -> Any:
        key = f"{kind}|{sorted(params.items())}"
        if key not in self._made:
            if self.cache is None:
                self._made[key] = make()
            else:
                self._made[key] = self.cache.get(kind, params, make)
        return self._made[key]

    def _period(self) -> str:
        return str(self.period_end)

    # -- recorded crime -------------------------------------------------------------------

    def crime_for_period(self):
        """The MPS borough files and, where present, the Monthly Crime Dashboard extract.

        :func:`~scpb_analysis.sources.mps.read_mps_crime_for_period` for the period end and
        figures: every borough (the London ranks need them all).
        """
        from scpb_analysis.sources.mps import read_mps_crime_for_period

        sources = [self.folder.path("mps_borough")]
        if self.has("mps_dashboard"):
            sources.append(self.folder.path("mps_dashboard"))
        return self._table("crime_for_period",
                           lambda: read_mps_crime_for_period(sources, self.period_end,
                                                             self.figures),
                           period_end=self._period(), figures=self.figures,
                           dashboard=self.has("mps_dashboard"))

    def borough_crime(self) -> pd.DataFrame:
        """The MPS borough files alone, for the period: the tidy table, every borough.

        The borough files' rows of :meth:`crime_for_period` (the dashboard extract's left
        out), which are exactly what reading the borough folder alone gives: the same files
        win each month either way, and the files are read and harmonised once.
        """
        key = "borough_crime"
        if key in self._made:
            return self._made[key]
        from scpb_analysis.sources.mps import read_mps_crime_for_period

        borough = self.folder.path("mps_borough")
        names = {p.name for p in borough.rglob("*") if p.is_file()}
        others = ({p.name for p in self.folder.path("mps_dashboard").rglob("*") if p.is_file()}
                  if self.has("mps_dashboard") else set())
        if names & others:
            # A file name in both folders cannot tell the rows apart: read the folder alone.
            table = self._table("borough_crime",
                                lambda: read_mps_crime_for_period(borough, self.period_end,
                                                                  self.figures).table,
                                period_end=self._period(), figures=self.figures)
        else:
            table = self.crime_for_period().table
            table = table[table["source_file"].isin(names)].reset_index(drop=True)
        self._made[key] = table
        return table

    def ward_crime(self) -> pd.DataFrame:
        """The area's ward rows from the MPS ward files, chosen as the dashboard chooses;
        outside London, the ward rows of :meth:`policeuk_area`.

        The MPS ward files are those of ``mps/ward`` and ``mps/ward-all-offences`` (the same
        publication, so one competes with the other: per month the newest vintage wins, or,
        for ``as_published`` figures, the first vintage reaching the period end).
        ``attrs["publications"]`` names the publications read and the files used
        (:func:`~scpb_analysis.sources.mps.area_ward_crime`).
        """
        from scpb_analysis.sources.mps import area_ward_crime

        if self.kind == "policeuk":
            area = self.policeuk_area()
            wards = area.table[area.table["area_type"] == "ward"].reset_index(drop=True)
            # The file name's underscores would read as emphasis on a Markdown page.
            lookup = area.lookup.replace("_", " ") or "the ONS best-fit lookup"
            wards.attrs["publications"] = (f"police.uk street-level crime of {area.force}, "
                                           f"each crime placed in a ward by its LSOA "
                                           f"({lookup})")
            return wards

        folders = [self.folder.path(s) for s in ("mps_ward", "mps_ward_all") if self.has(s)]
        if not folders:
            self.folder.path("mps_ward")  # raises MissingSourceError, naming the folder
        return self._table("ward_crime",
                           lambda: area_ward_crime(folders, self.area, self.period_end,
                                                   self.figures),
                           area=self.area, period_end=self._period(), figures=self.figures,
                           folders=[f.name for f in folders])

    def lsoa_crime(self) -> pd.DataFrame:
        """The area's rows of the MPS LSOA Level Crime files (``mps/lsoa``): 2021 LSOAs, every
        offence group the files hold (no sexual offences), every month they hold, chosen as
        :meth:`ward_crime` chooses; outside London, the LSOA rows of :meth:`policeuk_area`.

        ``attrs["publications"]`` names the publication and the files used. A month the
        publisher extracted before it was complete is set aside with a warning
        (:func:`~scpb_analysis.sources.mps.read_mps_crime`). Raises
        :class:`~scpb_analysis.core.errors.MissingSourceError` if ``mps/lsoa`` is not in the
        data (so :meth:`optional` gives None).
        """
        if self.kind == "policeuk":
            area = self.policeuk_area()
            lsoas = area.table[area.table["area_type"] == "lsoa"].reset_index(drop=True)
            lsoas.attrs["publications"] = (f"police.uk street-level crime of {area.force}, "
                                           "counted by the LSOA police.uk gives each crime")
            return lsoas
        folder = self.folder.path("mps_lsoa")
        return self._table("lsoa_crime", lambda: _area_lsoa_crime(folder, self.area,
                                                                   self.period_end,
                                                                   self.figures),
                           area=self.area, period_end=self._period(), figures=self.figures)

    def recorded_crime(self):
        """The recorded crime the dashboard compares: :meth:`crime_for_period` for a London
        borough, :meth:`policeuk_area` outside London (both have ``.table`` and ``.breaks``)."""
        return self.policeuk_area() if self.kind == "policeuk" else self.crime_for_period()

    def policeuk_area(self):
        """police.uk counts for the area (outside London), its wards and LSOAs, and the other
        local authorities of its force, every month the force's files hold
        (:func:`~scpb_analysis.sources.policeuk_areas.policeuk_area_crime`).

        The force is found from the data: each folder of ``policeuk/`` (and its loose files)
        is one force's files, and the first whose local authorities include the area is
        counted. LSOAs are placed by the ONS LSOA (2021) to ward to local authority lookup of
        the period end's year (else the newest), and 2011 LSOA codes by the exact-fit lookup
        where the data hold it.
        """
        return self._table("policeuk_area", self._make_policeuk_area, area=self.area,
                           lookup_year=self.period_end.year)

    def area_lookup(self) -> pd.DataFrame:
        """The ONS LSOA (2021) to ward to local authority lookup that places an area outside
        London's crimes and residents: the period end's year, else the newest in the data."""
        from scpb_analysis.sources.la_population import lsoa_ward_lad_lookup

        try:
            return lsoa_ward_lad_lookup(self.root, self.period_end.year)
        except MissingSourceError:
            return lsoa_ward_lad_lookup(self.root)

    @property
    def ward_sources(self) -> tuple[str, ...]:
        """The sources the ward pages need: MPS ward files in London (``mps/ward``, or only
        ``mps/ward-all-offences`` if that is all the folder holds), police.uk outside."""
        crime = "policeuk" if self.kind == "policeuk" else "mps_ward"
        if crime == "mps_ward" and not self.has("mps_ward") and self.has("mps_ward_all"):
            crime = "mps_ward_all"
        return (crime, "boundaries", "population", "lookups")

    @property
    def ward_indicators(self) -> tuple[str, ...]:
        """The indicators the ward pages map: the pack's ward list for the area's data
        (:data:`~scpb_analysis.reference.indicators.WARD_INDICATORS`, or police.uk's
        :data:`~scpb_analysis.reference.indicators.POLICEUK_WARD_INDICATORS`)."""
        from scpb_analysis.reference.indicators import POLICEUK_WARD_INDICATORS, WARD_INDICATORS

        return POLICEUK_WARD_INDICATORS if self.kind == "policeuk" else WARD_INDICATORS

    @property
    def crime_source(self) -> str:
        """The source of the area's recorded crime: ``mps_borough``, or ``policeuk``."""
        return "policeuk" if self.kind == "policeuk" else "mps_borough"

    def area_crime(self) -> pd.DataFrame:
        """The tidy recorded-crime table of the area and its peers: the MPS borough files
        (:meth:`borough_crime`), or outside London :meth:`policeuk_area`'s counts."""
        return self.policeuk_area().table if self.kind == "policeuk" else self.borough_crime()

    @property
    def violence_indicator(self) -> str:
        """The violence the needs assessment follows: the MPS's violence with injury, or
        police.uk's violence and sexual offences (it publishes nothing narrower)."""
        return ("violence_and_sexual_offences" if self.kind == "policeuk"
                else "violence_with_injury")

    @property
    def needs_indicators(self) -> tuple[str, ...]:
        """The indicators the needs assessment defines in its appendix
        (:data:`~scpb_analysis.reference.indicators.NEEDS_INDICATORS`, or police.uk's)."""
        from scpb_analysis.reference.indicators import NEEDS_INDICATORS, POLICEUK_NEEDS_INDICATORS

        return POLICEUK_NEEDS_INDICATORS if self.kind == "policeuk" else NEEDS_INDICATORS

    def _make_policeuk_area(self):
        from scpb_analysis.sources.deprivation import exact_fit_lookup
        from scpb_analysis.sources.policeuk import read_policeuk
        from scpb_analysis.sources.policeuk_areas import policeuk_area_crime

        lookup = self.area_lookup()
        try:
            lsoa11 = exact_fit_lookup(self.root)[1]
        except MissingSourceError:
            lsoa11 = None
        tried = []
        for group in _force_groups(self.folder.path("policeuk")):
            points = read_policeuk(group).points
            try:
                return policeuk_area_crime(points, lookup, self.area, lsoa11=lsoa11)
            except UnknownAreaError as exc:
                tried.append(str(exc))
        raise UnknownAreaError(f"'{self.area}' is neither a London borough nor a local "
                               "authority of a force whose police.uk files are in "
                               f"{self.folder.path('policeuk')}: " + "; ".join(tried))

    def policeuk_points(self) -> pd.DataFrame:
        """Every police.uk street-level record in ``policeuk/`` as points."""
        from scpb_analysis.sources.policeuk import read_policeuk

        folder = self.folder.path("policeuk")
        return self._table("policeuk_points", lambda: read_policeuk(folder).points)

    def policeuk_months(self) -> pd.PeriodIndex:
        """The months the police.uk files cover in the area's wards: a month outside them is a
        gap in the data (a file not downloaded, or not published), never a month without
        crime.

        A month is covered when the files hold records of any type in the area's wards, at
        least a tenth of the area's median month: a file for a neighbouring area (one
        borough's extract) puts a few points over the boundary, which do not make its months
        the area's.
        """
        per_month = self._area_policeuk()["month"].value_counts()
        covered = per_month[per_month >= 0.1 * per_month.median()]
        return pd.PeriodIndex(sorted(covered.index), freq="M")

    def area_points(self, crime_type: str) -> pd.DataFrame:
        """The police.uk records of ``crime_type`` located in the area's wards
        (:meth:`wards`), with ``ward_code, ward_name`` and British National Grid ``x, y``.

        Raises :class:`~scpb_analysis.core.errors.InputDataError` for a crime type police.uk
        does not publish, or one the files hold no record of in the area (naming those they
        hold).
        """
        from scpb_analysis.reference.taxonomy import policeuk_crime_types

        known = list(policeuk_crime_types()["crime_type"])
        if crime_type not in known:
            raise InputDataError(None, f"{crime_type!r} is not a police.uk crime type",
                                 expected=", ".join(known))
        points = self._area_policeuk()
        chosen = points.loc[points["crime_type"] == crime_type].reset_index(drop=True)
        if chosen.empty:
            held = ", ".join(sorted(points["crime_type"].dropna().unique())) or "none"
            raise InputDataError(self.folder.path("policeuk"),
                                 f"the police.uk files hold no {crime_type!r} records in "
                                 f"{self.area}", expected=f"a crime type they hold: {held}")
        return chosen

    def _area_policeuk(self) -> pd.DataFrame:
        return self._table("area_policeuk", self._make_area_policeuk, area=self.area)

    def _make_area_policeuk(self) -> pd.DataFrame:
        from pyproj import Transformer

        from scpb_analysis.geo.assign import assign_wards

        wards = self.wards()
        assigned = assign_wards(self.policeuk_points(), wards).points
        inside = assigned.loc[assigned["ward_code"].notna()].reset_index(drop=True)
        x, y = Transformer.from_crs(4326, wards.crs, always_xy=True).transform(
            inside["longitude"].to_numpy(dtype=float), inside["latitude"].to_numpy(dtype=float))
        keep = ["crime_id", "month", "falls_within", "location", "lsoa_code", "crime_type",
                "ward_code", "ward_name"]
        return inside[keep].assign(x=x, y=y)

    def homicide_proceedings(self) -> pd.DataFrame:
        """Persons proceeded against for homicide, every London area, from ``mps/homicide``
        (:func:`~scpb_analysis.sources.mps_extracts.read_homicide_proceedings`; ethnicity is
        dropped as the file is read).

        Raises :class:`~scpb_analysis.core.errors.MissingSourceError` if the folder is not
        in the data (so :meth:`optional` gives None).
        """
        from scpb_analysis.sources.mps_extracts import read_homicide_proceedings

        folder = self.folder.path("mps_homicide")
        return self._table("homicide_proceedings", lambda: read_homicide_proceedings(folder))

    def vawg_offences(self) -> pd.DataFrame:
        """Violence against women and girls offences by borough, ward, month recorded and
        month committed, every London area, from ``mps/vawg``
        (:func:`~scpb_analysis.sources.mps_extracts.read_vawg_offences`).

        Raises :class:`~scpb_analysis.core.errors.MissingSourceError` if the folder is not
        in the data (so :meth:`optional` gives None).
        """
        from scpb_analysis.sources.mps_extracts import read_vawg_offences

        folder = self.folder.path("mps_vawg")
        return self._table("vawg_offences", lambda: read_vawg_offences(folder))

    # -- geography and people -------------------------------------------------------------

    def wards(self):
        """The area's ward boundaries (May 2022 wards), British National Grid; outside
        London, its LSOAs' boundaries dissolved by :meth:`area_lookup`
        (:func:`~scpb_analysis.geo.lookup_wards.lookup_ward_boundaries`)."""
        from scpb_analysis.sources.boundaries import load_wards

        self.folder.path("boundaries")
        if self.kind == "policeuk":
            return self._table("wards", self._make_lookup_wards, area=self.area,
                               lookup_year=self.period_end.year)
        return self._table("wards", lambda: load_wards(self.root, self.area), area=self.area)

    def _area_code(self) -> str:
        lookup = self.area_lookup()
        return str(lookup.loc[lookup["la_name"] == self.area, "la_code"].iloc[0])

    def _make_lookup_wards(self):
        from scpb_analysis.geo.lookup_wards import lookup_ward_boundaries
        from scpb_analysis.sources.boundaries import load_lsoas

        lookup = self.area_lookup()
        code = self._area_code()
        lsoas = load_lsoas(self.root, 2021, codes=lookup.loc[lookup["la_code"] == code,
                                                            "lsoa_code"])
        return lookup_ward_boundaries(lsoas, lookup, code)

    def ward_crosswalk(self) -> pd.DataFrame:
        """A London borough's 2014 to 2022 wards, weighted by Census 2021 residents
        (:func:`~scpb_analysis.geo.crosswalk.ward_crosswalk`), to put the MPS ward files' months
        before February 2022 on 2022 wards (estimates). Outside London there are no 2014-ward
        files to carry, and this raises ``ValueError``.
        """
        from scpb_analysis.geo.crosswalk import ward_crosswalk

        if self.kind != "london":
            raise ValueError(f"{self.area} is counted from police.uk by LSOA: its wards need "
                             "no 2014 to 2022 crosswalk")
        for source in ("boundaries", "population", "lookups"):
            self.folder.path(source)
        return self._table("ward_crosswalk", lambda: ward_crosswalk(self.root, self.area),
                           area=self.area)

    def lsoa_wards(self) -> pd.DataFrame:
        """The ward each of the area's 2021 LSOAs falls in (May 2022 wards; outside London,
        the wards of :meth:`area_lookup`)."""
        from scpb_analysis.geo.crosswalk import lsoa_to_ward

        if self.kind == "policeuk":
            lookup = self.area_lookup()
            own = lookup[lookup["la_code"] == self._area_code()]
            return own[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]].reset_index(
                drop=True)

        return self._table("lsoa_wards", lambda: lsoa_to_ward(self.root, self.area),
                           area=self.area)

    def ward_population(self) -> pd.DataFrame:
        """Census 2021 residents of the area's wards, with age bands (outside London, summed
        by :meth:`area_lookup`: :func:`~scpb_analysis.geo.lookup_wards.lookup_ward_population`)."""
        from scpb_analysis.geo.ward_profiles import ward_population

        if self.kind == "policeuk":
            from scpb_analysis.geo.lookup_wards import lookup_ward_population

            return self._table("ward_population",
                               lambda: lookup_ward_population(self.lsoa_population(),
                                                              self.area_lookup(),
                                                              self._area_code()),
                               area=self.area, lookup_year=self.period_end.year)

        return self._table("ward_population", lambda: ward_population(self.root, self.area),
                           area=self.area)

    def lsoa_population(self) -> pd.DataFrame:
        """Census 2021 residents by LSOA for every area the file holds."""
        from scpb_analysis.sources.population import lsoa_population

        return self._table("lsoa_population", lambda: lsoa_population(self.root))

    def imd(self) -> pd.DataFrame:
        """IMD 2019 on 2021 LSOAs, every LSOA the workbooks and lookup hold."""
        from scpb_analysis.sources.deprivation import imd_lsoa21

        self.folder.path("deprivation")
        return self._table("imd", lambda: imd_lsoa21(self.root))

    def lsoa_deprivation(self) -> pd.DataFrame:
        """The area's 2021 LSOAs: IMD 2019 (with within-borough quintiles) and residents."""
        from scpb_analysis.sources.deprivation import lsoa_deprivation_table

        self.folder.path("deprivation")
        if self.kind == "policeuk":
            codes = self.lsoa_wards()["lsoa_code"].tolist()
            return self._table("lsoa_deprivation",
                               lambda: lsoa_deprivation_table(self.root, self.area,
                                                              lsoa_codes=codes),
                               area=self.area, lookup_year=self.period_end.year)
        return self._table("lsoa_deprivation",
                           lambda: lsoa_deprivation_table(self.root, self.area),
                           area=self.area)

    def ward_deprivation(self) -> pd.DataFrame:
        """Each ward's residents in England's most deprived fifth, and mean IMD rank."""
        from scpb_analysis.geo.ward_profiles import ward_deprivation, ward_deprivation_of

        self.folder.path("deprivation")
        if self.kind == "policeuk":
            lookup = str(self.area_lookup()["lookup"].iloc[0])
            return ward_deprivation_of(self.lsoa_deprivation(), self.lsoa_wards(),
                                       f"LSOAs placed in wards by {lookup}")
        return self._table("ward_deprivation", lambda: ward_deprivation(self.root, self.area),
                           area=self.area)

    def ward_profiles_file(self) -> Path:
        """The GLA ward profiles CSV in ``population/`` (borough and London rows)."""
        from scpb_analysis.sources.population import find_tables, has_columns

        found = find_tables(self.folder.path("population"), has_columns(*_PROFILE_COLUMNS))
        if not found:
            raise MissingSourceError(self.folder.path("population"),
                                     "holds no GLA ward profiles CSV", source="population",
                                     expected="ward-profiles-excel-version from the London "
                                     "Datastore (columns " + ", ".join(_PROFILE_COLUMNS) + ")")
        return found[0]

    # -- national comparators -------------------------------------------------------------

    def csp_crime(self) -> pd.DataFrame:
        """ONS police recorded crime by Community Safety Partnership (Table C2), every CSP."""
        from scpb_analysis.sources.ons_csp import load_csp_crime

        folder = self.folder.path("ons_csp")
        return self._table("csp_crime", lambda: load_csp_crime(folder))

    def la_population(self) -> pd.DataFrame:
        """Census 2021 residents by local authority, and of England and Wales."""
        from scpb_analysis.sources.la_population import la_population

        self.folder.path("population")
        return self._table("la_population", lambda: la_population(self.root))

    # -- partnership ----------------------------------------------------------------------

    def partnership(self):
        """The partnership exports loaded up to the period end.

        Kept for the notebook only, never written to the cache: the exports may hold personal
        data (dropped at load, but the cache is no place to test that), and they load quickly.
        """
        from scpb_analysis.sources.partnership import load_partnership_period

        if "partnership" not in self._made:
            self._made["partnership"] = load_partnership_period(
                self.folder.path("partnership"), self.area, self.period_end)
        return self._made["partnership"]

    def sv_partner_data(self):
        """The Serious Violence Duty partner templates filled in (``svd/``), up to the period
        end (:func:`~scpb_analysis.sources.sv_partners.load_sv_partner_data`).

        A folder that is not there is no error: it gives the empty result (``found`` False, no
        template loaded), which :func:`~scpb_analysis.blocks.sv_gaps.data_gap_table` lists as
        every item still needed, so this never raises
        :class:`~scpb_analysis.core.errors.MissingSourceError`. Like the partnership exports it
        is kept for the notebook only, never written to the on-disk cache: a partner's file may
        carry personal columns (dropped at load, but the rule is one rule for partner data).
        """
        from scpb_analysis.sources.sv_partners import SV_FOLDER, load_sv_partner_data

        key = "sv_partner_data"
        if key not in self._made:
            self._made[key] = load_sv_partner_data(self.root / SV_FOLDER,
                                                   period_end=self.period_end)
        return self._made[key]


def _area_lsoa_crime(folder: Path, area: str, period_end: pd.Period,
                     figures: str) -> pd.DataFrame:
    """One borough's LSOA rows of the MPS LSOA files, with the publications and files named."""
    from scpb_analysis.reference.geography import select_area
    from scpb_analysis.sources.mps import read_mps_crime_for_period

    load = read_mps_crime_for_period(folder, period_end, figures)
    out = select_area(load.table, area, area_type="lsoa", missing="empty").reset_index(
        drop=True)
    used = sorted(set(out["source_file"].astype(str)))
    out.attrs["publications"] = (load.publications_text()
                                 + (f"; files used: {', '.join(used)}" if used else ""))
    return out


def _force_groups(folder: Path) -> list[list[Path]]:
    """The police.uk files of ``folder`` as one group per subfolder, loose files last."""
    groups = [[p] for p in sorted(folder.iterdir()) if p.is_dir()]
    loose = sorted(p for p in folder.iterdir() if p.is_file()
                   and p.suffix.lower() in (".csv", ".parquet"))
    return groups + ([loose] if loose else [])


def _area_kind(folder: DataFolder, area: str) -> tuple[str, str]:
    """``(kind, name)``: a London borough, canonically spelled, or a local authority to count
    from police.uk, named as the ONS lookup names it (found by name, any case or spacing, or
    by code)."""
    try:
        return "london", canonical_borough(area)
    except KeyError as exc:
        not_london = exc.args[0]
    if not folder.has("policeuk", "lookups"):
        raise UnknownAreaError(
            f"{not_london}; an area outside London needs police.uk street-level files (folder "
            "policeuk/) and an ONS LSOA to ward to local authority lookup (folder lookups/)")
    from scpb_analysis.sources.la_population import lsoa_ward_lad_lookup
    from scpb_analysis.sources.policeuk_areas import find_local_authority

    lookup = lsoa_ward_lad_lookup(folder.root)
    hit = find_local_authority(area, lookup[["la_code", "la_name"]].drop_duplicates())
    if hit.empty:
        raise UnknownAreaError(f"{not_london}, nor a local authority in "
                               f"{lookup['lookup'].iloc[0]}")
    return "policeuk", str(hit["la_name"].iloc[0])


def area_kind(data_dir: str | Path, area: str) -> str:
    """``"london"`` for a London borough, ``"policeuk"`` for a local authority outside London
    (:attr:`PackData.kind`); an area that is neither raises
    :class:`~scpb_analysis.core.errors.UnknownAreaError`.

    >>> from scpb_analysis.demo import example_folder
    >>> area_kind(example_folder(), "barnet")
    'london'
    """
    return _area_kind(locate_data(data_dir), area)[0]


def open_pack_data(data_dir: str | Path, area: str, period_end: str | pd.Period, *,
                   figures: str = "as_published",
                   cache_dir: str | Path | None | bool = True) -> PackData:
    """The data of one pack: what a notebook calls first.

    Parameters
    ----------
    data_dir : path
        A folder laid out like ``../shared/data`` or the demo data.
    area : str
        A London borough (any spelling
        :func:`~scpb_analysis.reference.geography.canonical_borough` accepts), or a local
        authority outside London whose force's police.uk files the folder holds (its name or
        code, e.g. ``"Bristol, City of"``).
    period_end : str or Period
        The last month reported, ``YYYY-MM``.
    figures : {"as_published", "latest"}
    cache_dir : path, True or None
        The on-disk cache: True for the default
        (:func:`~scpb_analysis.pack.cache.default_cache_dir`), None or False for none.

    Returns
    -------
    PackData

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> data = open_pack_data(example_folder(), "barnet", "2023-05", cache_dir=None)
    >>> data.area, data.synthetic, data.ward_crime()["area_code"].nunique()
    ('Barnet', True, 24)
    >>> data.optional("policeuk_points") is None or len(data.policeuk_points()) > 0
    True
    """
    if figures not in ("as_published", "latest"):
        raise ValueError(f"figures must be 'as_published' or 'latest'; got {figures!r}")
    folder = locate_data(data_dir)
    if cache_dir is True:
        cache_dir = default_cache_dir()
    cache = TableCache(folder.root, cache_dir or None)
    kind, name = _area_kind(folder, area)
    return PackData(folder=folder, area=name, period_end=to_month(period_end), figures=figures,
                    cache=cache, kind=kind)


def latest_period_end(data_dir: str | Path, area: str) -> str:
    """The latest month the MPS borough files (outside London: the force's police.uk files)
    hold for ``area``: a pack's default period end.

    Returns ``"NaT"`` if no file holds the area; the build then says so as a user error.

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> latest_period_end(example_folder(), "Barnet")
    '2025-02'
    """
    from scpb_analysis.reference.geography import select_area
    from scpb_analysis.sources.mps import load_mps_crime

    folder = locate_data(data_dir)
    if _area_kind(folder, area)[0] == "policeuk":
        data = open_pack_data(data_dir, area, "2000-01", cache_dir=True)
        return str(data.policeuk_area().months_present[-1])
    table = load_mps_crime(folder.path("mps_borough"))
    mine = select_area(table, area, area_type="borough", missing="empty")["month"]
    return str(mine.max())
