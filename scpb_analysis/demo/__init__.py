"""Synthetic MPS recorded-crime files, laid out exactly like the real publications.

``write_demo_data`` writes a small, deterministic copy of what an analyst downloads from the
London Datastore: two vintages of "MPS Borough Level Crime" (the 2023 Title-Case layout and
the 2025 UPPER-CASE layout with the February 2024 CRIS-to-CONNECT burglary recoding) and one
"MPS Ward Level Crime" file for the demo borough's 24 May-2022 wards. The file names, headers,
category labels and row order copy the real files, so the loaders and the main command run end
to end on them; so do the Monthly Crime Dashboard extract and the MPS VAWG offences file
(location sheet) beside them. The counts are invented: Poisson draws around rounded London
category means, spread over areas by rounded area shares, with mild seasonality and a slow
trend. No real row is embedded and every folder written carries a ``SYNTHETIC_DATA.txt``
notice.
"""

from __future__ import annotations

import atexit
import calendar
import csv
import functools
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from scpb_analysis.core.marker import MARKER_FILENAME, SYNTHETIC_NOTICE
from scpb_analysis.demo.common import DEMO_BOROUGH, demo_wards, write_marker

__all__ = ["DEMO_BOROUGH", "MARKER_FILENAME", "SYNTHETIC_NOTICE", "example_folder",
           "example_points", "grid_wards", "write_demo_data"]


_AIRPORTS = "London Heathrow and London City Airports"
_UNKNOWN = "Unknown"

_FIRST_MONTH = 201804
_LAST_MONTH = 202502
_OLD_HIST_LAST = 202107
_OLD_LAST = 202307
_NEW_HIST_LAST = 202302
# The month the MPS moved from CRIS to CONNECT: both residential burglary labels carry counts.
_CONNECT_MONTH = 202402
# The category means below are monthly averages over 2021-08..2023-07; the trend pivots on
# the middle of that window so the means hold there.
_TREND_ANCHOR = 202208

# Columns of _AREA_SHARES, and the group each category's counts are spread by.
_GROUPS = ("res_burglary", "bus_burglary", "violence", "robbery", "theft", "vehicle", "drugs")

# Share of each group's London count, per mille. Rounded from the public MPS borough series
# (2021-08..2023-07) so that inner boroughs get the theft and robbery, outer ones the
# burglary and vehicle crime. "Unknown" exists only in the 2025 layout and stays small.
_AREA_SHARES: dict[str, tuple[float, ...]] = {
    "Barking and Dagenham": (21.9, 18.8, 28.2, 25.3, 16.3, 26.0, 36.3),
    "Barnet": (49.1, 38.8, 32.6, 27.1, 24.2, 45.4, 24.6),
    "Bexley": (16.0, 13.4, 23.5, 9.3, 11.6, 19.9, 17.5),
    "Brent": (38.1, 32.3, 38.6, 33.1, 27.6, 34.8, 42.3),
    "Bromley": (27.4, 26.8, 28.9, 19.2, 21.3, 31.2, 27.1),
    "Camden": (30.0, 53.6, 31.1, 47.3, 62.8, 31.2, 32.3),
    "Croydon": (37.3, 37.7, 46.1, 38.6, 25.8, 40.7, 47.7),
    "Ealing": (36.7, 32.5, 40.2, 26.6, 24.7, 42.1, 34.0),
    "Enfield": (40.6, 34.6, 37.4, 33.2, 22.1, 51.3, 32.1),
    "Greenwich": (33.3, 30.3, 38.4, 26.0, 24.0, 29.7, 38.6),
    "Hackney": (43.6, 41.0, 34.6, 52.9, 41.1, 29.2, 35.1),
    "Hammersmith and Fulham": (23.4, 27.0, 23.7, 19.0, 26.6, 28.0, 21.9),
    "Haringey": (38.1, 30.1, 33.3, 49.6, 28.7, 43.8, 35.9),
    "Harrow": (23.4, 14.0, 20.5, 14.7, 13.2, 23.6, 17.0),
    "Havering": (20.1, 18.6, 25.2, 13.1, 16.5, 28.4, 24.5),
    "Hillingdon": (27.3, 19.2, 32.0, 15.5, 19.6, 35.0, 25.5),
    "Hounslow": (30.4, 25.4, 33.4, 16.3, 22.0, 31.9, 26.2),
    "Islington": (32.1, 37.5, 30.3, 41.1, 39.0, 23.4, 27.7),
    "Kensington and Chelsea": (26.0, 27.9, 19.1, 20.3, 33.6, 25.5, 19.5),
    "Kingston upon Thames": (14.9, 11.7, 15.2, 7.5, 14.0, 11.6, 22.0),
    "Lambeth": (42.3, 37.8, 40.8, 57.0, 41.1, 26.2, 40.2),
    "Lewisham": (40.3, 31.4, 37.1, 26.7, 24.3, 34.1, 34.7),
    _AIRPORTS: (0.1, 0.4, 4.8, 0.1, 4.3, 1.9, 1.3),
    "Merton": (20.3, 12.1, 17.7, 15.9, 12.3, 16.7, 13.0),
    "Newham": (34.3, 36.3, 41.4, 47.0, 41.6, 46.0, 50.3),
    "Redbridge": (25.2, 28.3, 29.8, 24.9, 21.3, 38.5, 27.3),
    "Richmond upon Thames": (19.3, 22.7, 13.0, 7.9, 11.5, 18.6, 7.6),
    "Southwark": (46.2, 50.7, 35.9, 61.1, 51.0, 25.2, 42.7),
    "Sutton": (19.9, 12.5, 17.9, 11.0, 10.7, 18.4, 12.5),
    "Tower Hamlets": (43.6, 51.5, 41.4, 39.7, 37.3, 35.0, 50.7),
    _UNKNOWN: (2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0),
    "Waltham Forest": (24.4, 19.9, 27.2, 23.6, 20.7, 32.7, 34.3),
    "Wandsworth": (37.0, 38.0, 30.5, 25.1, 25.5, 33.6, 22.8),
    "Westminster": (37.6, 87.3, 50.3, 124.4, 183.8, 40.6, 74.8),
}

# (amplitude, peak month): burglary and robbery peak in the dark months, violence in summer.
_SEASONALITY: dict[str, tuple[float, int]] = {
    "res_burglary": (0.10, 12),
    "bus_burglary": (0.05, 12),
    "violence": (0.07, 7),
    "robbery": (0.08, 11),
    "theft": (0.06, 11),
    "vehicle": (0.06, 11),
    "drugs": (0.05, 7),
}

_GROUP_OF_MAJOR = {
    "Drug Offences": "drugs",
    "Robbery": "robbery",
    "Theft": "theft",
    "Vehicle Offences": "vehicle",
}
_GROUP_OF_MINOR = {
    "Domestic Burglary": "res_burglary",
    "Burglary Business and Community": "bus_burglary",
}

# Title-Case (MajorText, MinorText) as published up to 2024, in file order, with the London
# monthly mean over 2021-08..2023-07 (rounded) and a slow annual trend (roughly the
# 2018-2025 change, capped at 8%; milder for burglary, whose fall has slowed).
_TITLE_CATEGORIES: tuple[tuple[str, str, float, float], ...] = (
    ("Arson and Criminal Damage", "Arson", 156.0, 0.02),
    ("Arson and Criminal Damage", "Criminal Damage", 4390.0, 0.0),
    ("Burglary", "Burglary Business and Community", 1350.0, -0.03),
    ("Burglary", "Domestic Burglary", 3230.0, -0.05),
    ("Drug Offences", "Drug Trafficking", 710.0, 0.08),
    ("Drug Offences", "Possession of Drugs", 2920.0, -0.06),
    ("Historical Fraud and Forgery", "Historical Fraud and Forgery", 0.04, 0.0),
    ("Miscellaneous Crimes Against Society", "Absconding from Lawful Custody", 2.9, -0.01),
    ("Miscellaneous Crimes Against Society", "Aiding Suicide", 0.2, 0.0),
    ("Miscellaneous Crimes Against Society", "Bail Offences", 1.4, -0.01),
    ("Miscellaneous Crimes Against Society", "Bigamy", 0.96, 0.0),
    ("Miscellaneous Crimes Against Society", "Dangerous Driving", 30.6, -0.01),
    (
        "Miscellaneous Crimes Against Society",
        "Disclosure, Obstruction, False or Misleading State",
        3.0,
        -0.01,
    ),
    ("Miscellaneous Crimes Against Society", "Exploitation of Prostitution", 2.1, -0.01),
    ("Miscellaneous Crimes Against Society", "Forgery or Use of Drug Prescription", 4.1, -0.01),
    (
        "Miscellaneous Crimes Against Society",
        "Fraud or Forgery Associated with Driver Records",
        6.4,
        -0.01,
    ),
    ("Miscellaneous Crimes Against Society", "Going Equipped for Stealing", 29.2, -0.01),
    ("Miscellaneous Crimes Against Society", "Handling Stolen Goods", 50.5, -0.01),
    (
        "Miscellaneous Crimes Against Society",
        "Making, Supplying or Possessing Articles for use i",
        29.5,
        -0.01,
    ),
    ("Miscellaneous Crimes Against Society", "Obscene Publications", 302.0, -0.01),
    ("Miscellaneous Crimes Against Society", "Offender Management Act", 21.1, -0.01),
    ("Miscellaneous Crimes Against Society", "Other Forgery", 39.2, -0.01),
    ("Miscellaneous Crimes Against Society", "Other Notifiable Offences", 169.0, -0.01),
    ("Miscellaneous Crimes Against Society", "Perjury", 1.0, 0.0),
    ("Miscellaneous Crimes Against Society", "Perverting Course of Justice", 43.5, -0.01),
    ("Miscellaneous Crimes Against Society", "Possession of False Documents", 11.8, -0.01),
    (
        "Miscellaneous Crimes Against Society",
        "Profitting From or Concealing Proceeds of Crime",
        42.2,
        -0.01,
    ),
    ("Miscellaneous Crimes Against Society", "Soliciting for Prostitution", 7.8, -0.01),
    (
        "Miscellaneous Crimes Against Society",
        "Threat or Possession With Intent to Commit Crimina",
        197.0,
        -0.01,
    ),
    ("Miscellaneous Crimes Against Society", "Wildlife Crime", 0.08, 0.0),
    ("Possession of Weapons", "Other Firearm Offences", 47.2, -0.07),
    ("Possession of Weapons", "Other Knife Offences", 0.25, 0.0),
    ("Possession of Weapons", "Possession of Article with Blade or Point", 213.0, -0.07),
    ("Possession of Weapons", "Possession of Firearm with Intent", 22.1, -0.07),
    ("Possession of Weapons", "Possession of Firearms Offences", 38.4, -0.07),
    ("Possession of Weapons", "Possession of Other Weapon", 212.0, -0.07),
    (
        "Public Order Offences",
        "Other Offences Against the State, or Public Order",
        578.0,
        0.03,
    ),
    ("Public Order Offences", "Public Fear Alarm or Distress", 3370.0, 0.03),
    (
        "Public Order Offences",
        "Racially or Religiously Aggravated Public Fear, Al",
        923.0,
        0.05,
    ),
    ("Public Order Offences", "Violent Disorder", 3.6, 0.02),
    ("Robbery", "Robbery of Business Property", 225.0, 0.08),
    ("Robbery", "Robbery of Personal Property", 2180.0, -0.02),
    ("Sexual Offences", "Other Sexual Offences", 1330.0, 0.05),
    ("Sexual Offences", "Rape", 764.0, 0.01),
    ("Theft", "Bicycle Theft", 1530.0, -0.05),
    ("Theft", "Other Theft", 10300.0, 0.0),
    ("Theft", "Shoplifting", 3560.0, 0.08),
    ("Theft", "Theft from Person", 4900.0, 0.08),
    ("Vehicle Offences", "Aggravated Vehicle Taking", 59.0, -0.08),
    ("Vehicle Offences", "Interfering with a Motor Vehicle", 936.0, -0.06),
    ("Vehicle Offences", "Theft from a Motor Vehicle", 5350.0, -0.04),
    ("Vehicle Offences", "Theft or Taking of a Motor Vehicle", 2650.0, 0.01),
    ("Violence Against the Person", "Homicide", 9.5, -0.03),
    ("Violence Against the Person", "Violence with Injury", 6500.0, -0.01),
    ("Violence Against the Person", "Violence without Injury", 13800.0, 0.04),
)

# UPPER-CASE (MajorText, MinorText) of the 2025 "most recent 24 months" borough and ward files.
_UPPER_RECENT_PAIRS: tuple[tuple[str, str], ...] = (
    ("ARSON AND CRIMINAL DAMAGE", "ARSON"),
    ("ARSON AND CRIMINAL DAMAGE", "CRIMINAL DAMAGE"),
    ("BURGLARY", "BURGLARY - RESIDENTIAL"),
    ("BURGLARY", "BURGLARY BUSINESS AND COMMUNITY"),
    ("BURGLARY", "BURGLARY IN A DWELLING"),
    ("BURGLARY", "BURGLARY NON-DWELLING"),
    ("DRUG OFFENCES", "POSSESSION OF DRUGS"),
    ("DRUG OFFENCES", "TRAFFICKING OF DRUGS"),
    ("FRAUD AND FORGERY", "FRAUD AND FORGERY"),
    ("MISCELLANEOUS CRIMES AGAINST SOCIETY", "MISC CRIMES AGAINST SOCIETY"),
    ("NFIB FRAUD", "NFIB"),
    ("POSSESSION OF WEAPONS", "POSSESSION OF WEAPONS"),
    ("PUBLIC ORDER OFFENCES", "OTHER OFFENCES PUBLIC ORDER"),
    ("PUBLIC ORDER OFFENCES", "PUBLIC FEAR ALARM OR DISTRESS"),
    ("PUBLIC ORDER OFFENCES", "RACE OR RELIGIOUS AGG PUBLIC FEAR"),
    ("PUBLIC ORDER OFFENCES", "VIOLENT DISORDER"),
    ("ROBBERY", "ROBBERY OF BUSINESS PROPERTY"),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
    ("SEXUAL OFFENCES", "OTHER SEXUAL OFFENCES"),
    ("SEXUAL OFFENCES", "RAPE"),
    ("THEFT", "BICYCLE THEFT"),
    ("THEFT", "OTHER THEFT"),
    ("THEFT", "SHOPLIFTING"),
    ("THEFT", "THEFT FROM THE PERSON"),
    ("VEHICLE OFFENCES", "AGGRAVATED VEHICLE TAKING"),
    ("VEHICLE OFFENCES", "INTERFERING WITH A MOTOR VEHICLE"),
    ("VEHICLE OFFENCES", "THEFT FROM A VEHICLE"),
    ("VEHICLE OFFENCES", "THEFT OR UNAUTH TAKING OF A MOTOR VEH"),
    ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITHOUT INJURY"),
)
# Labels that only exist from CONNECT onwards, so the real Historical file has no rows for them.
_CONNECT_ONLY = (
    ("BURGLARY", "BURGLARY - RESIDENTIAL"),
    ("BURGLARY", "BURGLARY NON-DWELLING"),
    ("NFIB FRAUD", "NFIB"),
)
_UPPER_HIST_PAIRS = tuple(p for p in _UPPER_RECENT_PAIRS if p not in _CONNECT_ONLY)

_DWELLING = ("BURGLARY", "BURGLARY IN A DWELLING")
_RESIDENTIAL = ("BURGLARY", "BURGLARY - RESIDENTIAL")
_NON_DWELLING = ("BURGLARY", "BURGLARY NON-DWELLING")
_NFIB = ("NFIB FRAUD", "NFIB")

# The 2024 relabelling where it is not just upper-casing; the two Misc/Weapons majors
# collapse to one minor each.
_UPPER_MINOR = {
    "Domestic Burglary": "BURGLARY IN A DWELLING",
    "Drug Trafficking": "TRAFFICKING OF DRUGS",
    "Historical Fraud and Forgery": "FRAUD AND FORGERY",
    "Other Offences Against the State, or Public Order": "OTHER OFFENCES PUBLIC ORDER",
    "Racially or Religiously Aggravated Public Fear, Al": "RACE OR RELIGIOUS AGG PUBLIC FEAR",
    "Theft from Person": "THEFT FROM THE PERSON",
    "Theft from a Motor Vehicle": "THEFT FROM A VEHICLE",
    "Theft or Taking of a Motor Vehicle": "THEFT OR UNAUTH TAKING OF A MOTOR VEH",
}
_COLLAPSED_MAJOR = {
    "Miscellaneous Crimes Against Society": "MISC CRIMES AGAINST SOCIETY",
    "Possession of Weapons": "POSSESSION OF WEAPONS",
}
_UPPER_MAJOR = {"Historical Fraud and Forgery": "FRAUD AND FORGERY"}

# Month-to-month London-wide wobble shared by all areas (log sd), so boroughs co-move.
_LONDON_SHOCK_SD = 0.03
# Restatement of the months both vintages publish: share of cells left as they were, and the
# relative revision of the others (mean, sd, cap) -- late recording nudges counts up.
_UNREVISED_SHARE = 0.3
_REVISION = (0.004, 0.012, 0.03)
# CONNECT went live late in the month, so most February 2024 burglaries keep the CRIS label.
_CONNECT_FEB_SHARE = 0.1
_NON_DWELLING_RATE = 0.25
_NFIB_RATE = 0.05
# Crimes the ward file cannot place in a ward, so ward totals fall a little short of borough.
_UNLOCATED_SHARE = 0.015
# Ward weights are a fixed property of the demo borough, not of the seed.
_WARD_WEIGHT_SEED = 2022
_WARD_WEIGHT_SHAPE = 12.0
_WARD_CATEGORY_CONCENTRATION = 150.0

_HIST_NAME = "MPS Borough Level Crime (Historical)_{first}-{last}.csv"
_RECENT_NAME = "MPS Borough Level Crime (most recent 24 months)_{first}-{last}.csv"
_OLD_WARD_FIRST = 202202
_OLD_WARD_LAST = 202401
_WARD_NAME = "MPS Ward Level Crime (most recent 24 months)_{first}-{last}_wards2022.csv"
_DASHBOARD_FIRST = 202104
_DASHBOARD_NAME = "MPS Monthly Crime Dashboard Data_{first}-{last}.csv"
_DASHBOARD_HEADER = ["Month_Year", "Area Type", "Borough_SNT", "Area name", "Area code",
                     "Offence Group", "Offence Subgroup", "Measure", "Financial Year",
                     "FY_FYIndex", "Count", "Refresh Date"]
# (Offence Group, Offence Subgroup, London monthly mean rounded from the real extract
# 2021-08..2025-07, share of offences with a positive outcome). Counts spread over boroughs by
# the violence shares of _AREA_SHARES.
_DASHBOARD_SERIES: tuple[tuple[str, str, float, float], ...] = (
    ("Knife Crime", "Knife Crime", 1250.0, 0.25),
    ("Knife Crime", "Knife Crime with Injury", 330.0, 0.15),
    ("Lethal Barrel Discharge", "Lethal Barrel Discharge", 9.0, 0.10),
    ("Gun Crime", "Gun Crime", 140.0, 0.20),
    ("Domestic Abuse", "Domestic Abuse", 7600.0, 0.12),
    ("Domestic Abuse", "Domestic Abuse violence with injury", 2000.0, 0.15),
)

# The MPS VAWG offences file, location sheet, as the publisher's CSV.
_VAWG_NAME = "MPS VAWG Offences (location)_{first}-{last}.csv"
_VAWG_HEADER = ["BCU Location", "Borough Name", "Ward Name Clean 2", "Recorded Date (Months)",
                "Date Committed From Date (Months)", "Count"]
# Second key of the file's own generator (the real file starts in January 2014).
_VAWG_STREAM = 201401
# Demo-borough offences a year at the trend anchor; other boroughs scale by violence share.
_VAWG_DEMO_YEAR = 4000.0
_VAWG_TREND = 0.03
_VAWG_SEASON = (0.06, 7)
# The MPS's "Other" area (other forces, transport police, no location), London-wide a year,
# and the ward names it is published under.
_VAWG_OTHER = "Other"
_VAWG_OTHER_YEAR = 2400.0
_VAWG_OTHER_WARDS = (("N/K", 0.85), ("Non MET police force", 0.1), ("", 0.05))
# Shares of a borough's offences with no ward, and (demo borough) on a ward name of the old
# boundaries that the 2022 map lacks.
_VAWG_NO_WARD = 0.003
_VAWG_OLD_WARD = ("Colindale", 0.005)
# Two or three demo wards with well over their share every year, and one whose share grows:
# hot-spot persistence then has persistent and newer hot spots to find.
_VAWG_HOT_WARDS = {"Burnt Oak": 2.4, "Colindale South": 2.2, "West Hendon": 2.6}
_VAWG_RISING_WARD = ("Edgware", 1.0, 2.6)
# The other wards' shares vary a little around the mean (gamma shape; fixed seed).
_VAWG_WARD_SHAPE = 40.0
# Made-up ward names for the other boroughs (the page reads only the area's own wards).
_VAWG_OTHER_BOROUGH_WARDS = (("Town Centre", 1.0),)
# Months from committing to recording: (first, last, share, decay, January share), as in the
# real file. Within a band each month is less likely than the one before by the decay; of the
# offences reported a year or more late, many are dated to the January of their year (about
# 30% at 1 to 4 years, 60% at 5 or more in the real file). The rest of the offences have no
# committed month (blank, or the MPS's 1900-01-01 placeholder).
_VAWG_DELAYS = ((0, 0, 0.80, 1.0, 0.0), (1, 2, 0.09, 0.7, 0.0), (3, 11, 0.05, 0.85, 0.0),
                (12, 59, 0.04, 0.96, 0.3), (60, 359, 0.02, 0.99, 0.6))
_VAWG_UNDATED = (0.0015, 0.0008)
_VAWG_PLACEHOLDER = "1900-01-01"
# Month-committed keys of the two undated kinds; they sort after every dated month.
_VAWG_BLANK_KEY = -2
_VAWG_PLACEHOLDER_KEY = -1
_VAWG_MARKER = ("Generated by scpb_analysis.demo.write_demo_data: Poisson counts of VAWG "
                "offences per borough and month (about 4,000 a year in the demo borough, other "
                "boroughs scaled by their violence share), split over made-up or demo wards and "
                "over months committed, with mild seasonality and a slow upward trend, written "
                "in the layout of the MPS VAWG offences file (location sheet).")


@functools.cache
def example_folder() -> Path:
    """A demo data folder for examples, written once per process and removed at exit.

    Laid out like ``data/demo`` (``mps/``, ``boundaries/``, ``population/``, ...,
    ``partnership/``), every file synthetic. Examples read it; none may write into it.

    Examples
    --------
    >>> (example_folder() / "mps" / "borough").is_dir()
    True
    """
    from scpb_analysis.demo.partnership import write_partnership_demo

    folder = Path(tempfile.mkdtemp(prefix="scpb-example-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    write_demo_data(folder)
    write_partnership_demo(folder)
    return folder


def grid_wards(side: int = 4):
    """A ``side`` x ``side`` grid of unit squares as wards ``W00``, ``W01``, ..., row by row.

    The simplest map on which neighbours are obvious, for examples of spatial statistics.

    Examples
    --------
    >>> wards = grid_wards(3)
    >>> wards["ward_code"].tolist()[:4], wards.crs.to_epsg()
    (['W00', 'W01', 'W02', 'W03'], 27700)
    """
    import geopandas as gpd
    from shapely.geometry import box

    cells = [box(c, r, c + 1, r + 1) for r in range(side) for c in range(side)]
    return gpd.GeoDataFrame({"ward_code": [f"W{i:02d}" for i in range(side * side)]},
                            geometry=cells, crs=27700)


def example_points(folder: str | Path):
    """One police.uk file of four burglaries, and the one ward they are counted in.

    Crime ``c1`` is recorded twice (a repeated Crime ID) and ``c3`` lies outside the ward,
    so an example can show both being set aside: two burglaries are counted.

    Returns
    -------
    (Path, GeoDataFrame)
        The folder holding ``2023-05-metropolitan-street.csv``, and ward ``W1`` (WGS84).

    Examples
    --------
    >>> import tempfile
    >>> folder, wards = example_points(tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir()), wards["ward_code"].tolist()
    (['2023-05-metropolitan-street.csv'], ['W1'])
    """
    import geopandas as gpd
    from shapely import box

    from scpb_analysis.sources.policeuk import SOURCE_COLUMNS

    folder = Path(folder)
    row = "{},2023-05,Met,Met,{},51.55,On or near A Road,E01,Barnet 001A,Burglary,,\n"
    (folder / "2023-05-metropolitan-street.csv").write_text(
        ",".join(SOURCE_COLUMNS) + "\n" + row.format("c1", -0.15) + row.format("c2", -0.15)
        + row.format("c3", 1.0) + row.format("c1", -0.15), encoding="utf-8")
    wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(-0.2, 51.5, -0.1, 51.6)],
                             crs=4326)
    return folder, wards


def write_demo_data(out_dir: str | Path, seed: int = 20230719) -> Path:
    """Write the demo files under out_dir and return out_dir/mps.

    Writes two vintages of the MPS borough series, the ward files, the Monthly Crime Dashboard
    extract and the VAWG offences file, each in the folder and under the file name the real
    publication uses, then, beside ``mps/``, the synthetic boundaries, lookups, population,
    deprivation and police.uk files of
    :func:`scpb_analysis.demo.geography.write_demo_geography` (same seed), so the ward-map,
    ward-profile and needs-assessment loaders run on the folder too. Every folder gets a
    ``SYNTHETIC_DATA.txt`` notice. The same seed gives byte-identical files; existing files of
    the same name are overwritten and nothing else is touched.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into; created if missing.
    seed : int, default 20230719
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    Path
        ``out_dir / "mps"``; out_dir is laid out like the shared real-data folder::

            mps/borough/to-202307/  Title-Case, LookUp_BoroughName, 2018-04..2023-07
            mps/borough/to-202502/  UPPER-CASE, BoroughName, 2018-04..2025-02 (restated)
            mps/ward/               UPPER-CASE, Barnet's 24 May-2022 wards, 2022-02..2024-01
                                    and 2023-03..2025-02 (two publications)
            mps/dashboard/          Monthly Crime Dashboard extract (knife and gun crime,
                                    domestic abuse), boroughs, 2021-04..2025-02
            mps/vawg/               VAWG offences file (location sheet): every borough and
                                    Other, by ward, month recorded and month committed,
                                    2018-04..2025-02
            boundaries/             wards, borough and 2021 LSOAs (ONS GeoPackage layouts)
            lookups/                ONS LSOA21 -> ward 2022 and LSOA11 -> LSOA21 lookups
            population/             Census 2021 TS007A by LSOA
            deprivation/            IMD 2019 File 1 workbook
            policeuk/               police.uk street-level burglary, 2021-01..2023-12

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     mps = write_demo_data(tmp)
    ...     for path in sorted((mps / "borough" / "to-202502").iterdir()):
    ...         print(path.name)
    MPS Borough Level Crime (Historical)_201804-202302.csv
    MPS Borough Level Crime (most recent 24 months)_202303-202502.csv
    SYNTHETIC_DATA.txt
    """
    mps = Path(out_dir) / "mps"
    rng = np.random.default_rng(seed)
    months = _month_range(_FIRST_MONTH, _LAST_MONTH)
    areas = sorted(_AREA_SHARES)
    title = _simulate_title_counts(rng, areas, months)
    upper = _to_upper_layout(rng, title, months)

    old_areas = [a for a in areas if a != _UNKNOWN]
    old_rows = [areas.index(a) for a in old_areas]
    old = mps / "borough" / "to-202307"
    title_pairs = [(major, minor) for major, minor, _, _ in _TITLE_CATEGORIES]
    for first, last, name in (
        (_FIRST_MONTH, _OLD_HIST_LAST, _HIST_NAME),
        (_next_month(_OLD_HIST_LAST), _OLD_LAST, _RECENT_NAME),
    ):
        cols = _month_slice(months, first, last)
        _write_area_file(
            old / name.format(first=first, last=last),
            "LookUp_BoroughName",
            old_areas,
            title_pairs,
            title[old_rows][:, :, cols],
            months[cols],
        )

    new = mps / "borough" / "to-202502"
    for first, last, name, pairs in (
        (_FIRST_MONTH, _NEW_HIST_LAST, _HIST_NAME, _UPPER_HIST_PAIRS),
        (_next_month(_NEW_HIST_LAST), _LAST_MONTH, _RECENT_NAME, _UPPER_RECENT_PAIRS),
    ):
        cols = _month_slice(months, first, last)
        keep = [_UPPER_RECENT_PAIRS.index(p) for p in pairs]
        _write_area_file(
            new / name.format(first=first, last=last),
            "BoroughName",
            areas,
            pairs,
            upper[:, keep][:, :, cols],
            months[cols],
        )

    first = _next_month(_NEW_HIST_LAST)
    cols = _month_slice(months, first, _LAST_MONTH)
    wards = demo_wards()
    ward_counts = _split_to_wards(rng, upper[areas.index(DEMO_BOROUGH)][:, cols], len(wards))
    _write_ward_file(
        mps / "ward" / _WARD_NAME.format(first=first, last=_LAST_MONTH),
        wards,
        ward_counts,
        months[cols],
    )
    # The earlier ward publication, as on the Datastore, so a pack for a 2023 quarter has
    # its 12 ward months; its own generator keeps the later file's bytes unchanged.
    early_rng = np.random.default_rng([seed, _OLD_WARD_FIRST])
    cols = _month_slice(months, _OLD_WARD_FIRST, _OLD_WARD_LAST)
    _write_ward_file(
        mps / "ward" / _WARD_NAME.format(first=_OLD_WARD_FIRST, last=_OLD_WARD_LAST),
        wards,
        _split_to_wards(early_rng, upper[areas.index(DEMO_BOROUGH)][:, cols], len(wards)),
        months[cols],
    )

    _write_dashboard_extract(mps / "dashboard", seed)
    _write_vawg_offences(mps / "vawg", seed)

    for folder in (mps, mps / "borough", old, new, mps / "ward", mps / "dashboard"):
        write_marker(folder, seed)
    write_marker(mps / "vawg", seed, _VAWG_MARKER)

    from scpb_analysis.demo.geography import write_demo_geography

    write_demo_geography(out_dir, seed)
    return mps


def _month_range(first: int, last: int) -> np.ndarray:
    months = [first]
    while months[-1] != last:
        months.append(_next_month(months[-1]))
    return np.array(months, dtype=np.int64)


def _next_month(yyyymm: int) -> int:
    year, month = divmod(yyyymm, 100)
    return yyyymm + 1 if month < 12 else (year + 1) * 100 + 1


def _month_slice(months: np.ndarray, first: int, last: int) -> slice:
    start = int(np.searchsorted(months, first))
    return slice(start, int(np.searchsorted(months, last)) + 1)


def _category_group(major: str, minor: str) -> str:
    return _GROUP_OF_MINOR.get(minor, _GROUP_OF_MAJOR.get(major, "violence"))


def _simulate_title_counts(
    rng: np.random.Generator, areas: Sequence[str], months: np.ndarray
) -> np.ndarray:
    """Underlying counts, shape (area, Title-Case category, month), from which both vintages
    are derived so that they tell one consistent story."""
    years, month_of_year = np.divmod(months, 100)
    anchor_year, anchor_month = divmod(_TREND_ANCHOR, 100)
    years_from_anchor = ((years - anchor_year) * 12 + (month_of_year - anchor_month)) / 12.0
    # Counts scale with calendar length; February is visibly lower in real series.
    days = np.array(
        [calendar.monthrange(int(y), int(m))[1] for y, m in zip(years, month_of_year, strict=True)]
    )
    day_factor = days / (365.25 / 12.0)

    means = np.array([c[2] for c in _TITLE_CATEGORIES])
    trends = np.array([c[3] for c in _TITLE_CATEGORIES])
    groups = [_category_group(c[0], c[1]) for c in _TITLE_CATEGORIES]
    amplitude = np.array([_SEASONALITY[g][0] for g in groups])
    peak = np.array([_SEASONALITY[g][1] for g in groups])
    season = 1.0 + amplitude[:, None] * np.cos(
        2.0 * np.pi * (month_of_year[None, :] - peak[:, None]) / 12.0
    )
    trend = (1.0 + trends[:, None]) ** years_from_anchor[None, :]
    shock = np.exp(rng.normal(0.0, _LONDON_SHOCK_SD, size=(len(means), len(months))))
    london = means[:, None] * trend * season * shock * day_factor[None, :]

    group_index = np.array([_GROUPS.index(g) for g in groups])
    shares = np.array([_AREA_SHARES[a] for a in areas]) / 1000.0
    area_share = shares[:, group_index]
    lam = area_share[:, :, None] * london[None, :, :]
    return rng.poisson(lam).astype(np.int64)


def _to_upper_layout(rng: np.random.Generator, title: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The 2025 vintage, shape (area, _UPPER_RECENT_PAIRS, month): relabelled, collapsed,
    restated where the 2023 vintage also published, and recoded at the CONNECT switch."""
    mapping = np.zeros((len(_UPPER_RECENT_PAIRS), len(_TITLE_CATEGORIES)), dtype=np.int64)
    for j, (major, minor, _, _) in enumerate(_TITLE_CATEGORIES):
        if major in _COLLAPSED_MAJOR:
            target = (major.upper(), _COLLAPSED_MAJOR[major])
        else:
            target = (
                _UPPER_MAJOR.get(major, major.upper()),
                _UPPER_MINOR.get(minor, minor.upper()),
            )
        mapping[_UPPER_RECENT_PAIRS.index(target), j] = 1
    upper = np.einsum("uc,acm->aum", mapping, title)

    # Restate the overlapping months before recoding: the recoding is after the overlap.
    overlap = months <= _OLD_LAST
    eps_mean, eps_sd, eps_cap = _REVISION
    eps = np.clip(rng.normal(eps_mean, eps_sd, size=upper.shape), -eps_cap, eps_cap)
    eps[rng.random(size=upper.shape) < _UNREVISED_SHARE] = 0.0
    eps[:, :, ~overlap] = 0.0
    upper = upper + np.rint(upper * eps).astype(np.int64)

    dwelling = _UPPER_RECENT_PAIRS.index(_DWELLING)
    residential = _UPPER_RECENT_PAIRS.index(_RESIDENTIAL)
    switch = int(np.searchsorted(months, _CONNECT_MONTH))
    domestic = upper[:, dwelling, :].copy()
    upper[:, dwelling, switch + 1 :] = 0
    upper[:, residential, switch + 1 :] = domestic[:, switch + 1 :]
    # Both labels must be non-zero in the switch month wherever there is anything to split.
    feb = domestic[:, switch]
    moved = rng.binomial(feb, _CONNECT_FEB_SHARE)
    moved = np.where(feb >= 2, np.clip(moved, 1, np.maximum(feb - 1, 1)), moved)
    upper[:, residential, switch] = moved
    upper[:, dwelling, switch] = feb - moved

    connect = months >= _CONNECT_MONTH
    n_areas, n_connect = upper.shape[0], int(connect.sum())
    for pair, rate in ((_NON_DWELLING, _NON_DWELLING_RATE), (_NFIB, _NFIB_RATE)):
        row = _UPPER_RECENT_PAIRS.index(pair)
        upper[:, row, connect] = np.minimum(rng.poisson(rate, size=(n_areas, n_connect)), 2)
    return upper


def _split_to_wards(rng: np.random.Generator, borough: np.ndarray, n_wards: int) -> np.ndarray:
    """Ward counts, shape (ward, category, month), as a multinomial split of the borough
    counts (category, month) less a few crimes that could not be placed in a ward."""
    weight_rng = np.random.default_rng(_WARD_WEIGHT_SEED)
    base = weight_rng.gamma(_WARD_WEIGHT_SHAPE, size=n_wards)
    base /= base.sum()
    # Each category leans a little differently across wards (town centres vs. residential).
    per_category = weight_rng.dirichlet(
        _WARD_CATEGORY_CONCENTRATION * n_wards * base, size=borough.shape[0]
    )
    located = borough - rng.binomial(borough, _UNLOCATED_SHARE)
    split = rng.multinomial(located, per_category[:, None, :])
    return np.moveaxis(split, 2, 0)




def _write_area_file(
    path: Path,
    area_column: str,
    areas: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    counts: np.ndarray,
    months: np.ndarray,
) -> None:
    header = ["MajorText", "MinorText", area_column, *(str(m) for m in months)]
    order = sorted(range(len(pairs)), key=lambda i: pairs[i])
    rows = (
        [*pairs[j], area, *map(str, counts[i, j].tolist())]
        for i, area in sorted(enumerate(areas), key=lambda x: x[1])
        for j in order
    )
    _write_csv(path, header, rows)


def _write_ward_file(
    path: Path, wards: Sequence[tuple[str, str]], counts: np.ndarray, months: np.ndarray
) -> None:
    header = [
        "MajorText",
        "MinorText",
        "WardName",
        "WardCode",
        "LookUp_BoroughName",
        *(str(m) for m in months),
    ]
    rows = (
        [*pair, name, code, DEMO_BOROUGH, *map(str, counts[w, j].tolist())]
        for w, (name, code) in enumerate(wards)
        for j, pair in enumerate(_UPPER_RECENT_PAIRS)
    )
    _write_csv(path, header, rows)


def _write_dashboard_extract(folder: Path, seed: int) -> None:
    """The Monthly Crime Dashboard extract in its published layout, borough rows only.

    Like the real extract it lists only rows with a count: a month with none is left out.
    Its own generator keeps the other demo files' bytes unchanged.
    """
    rng = np.random.default_rng([seed, _DASHBOARD_FIRST])
    months = _month_range(_DASHBOARD_FIRST, _LAST_MONTH)
    boroughs = sorted(a for a in _AREA_SHARES if a not in (_AIRPORTS, _UNKNOWN))
    from scpb_analysis.reference.geography import london_boroughs

    codes = dict(zip(london_boroughs()["borough"], london_boroughs()["borough_code"],
                     strict=True))
    shares = np.array([_AREA_SHARES[b][_GROUPS.index("violence")] for b in boroughs]) / 1000
    rows = []
    for month in months:
        year, number = divmod(int(month), 100)
        fy = year if number >= 4 else year - 1
        fy_text = f"{fy}-{(fy + 1) % 100:02d}"
        index = (number - 4) % 12 + 1
        for i, borough in enumerate(boroughs):
            for group, subgroup, mean, solved in _DASHBOARD_SERIES:
                offences = int(rng.poisson(mean * shares[i]))
                outcomes = int(rng.binomial(offences, solved))
                for measure, count in (("Offences", offences), ("Positive Outcomes", outcomes)):
                    if count:
                        rows.append([f"01/{number:02d}/{year}", "Borough", borough, borough,
                                     codes[borough], group, subgroup, measure, fy_text,
                                     f"{fy_text}_{index:02d}", str(count), "01/03/2025"])
    _write_csv(folder / _DASHBOARD_NAME.format(first=_DASHBOARD_FIRST, last=_LAST_MONTH),
               _DASHBOARD_HEADER, rows)


def _write_vawg_offences(folder: Path, seed: int) -> Path:
    """The MPS VAWG offences file, location sheet, as the publisher's CSV.

    One row per BCU x borough x ward x month recorded x month committed with a count, zero
    rows left out, as the real file: every London borough under made-up ward names (the demo
    borough under its own wards, a few on an old ward name and a few with none), and the MPS's
    ``Other`` area. Its own generator keeps the other demo files' bytes unchanged.
    """
    from scpb_analysis.reference.geography import london_boroughs

    rng = np.random.default_rng([seed, _VAWG_STREAM])
    months = _month_range(_FIRST_MONTH, _LAST_MONTH)
    years, month_of_year = np.divmod(months, 100)
    index = years * 12 + month_of_year - 1
    anchor_year, anchor_month = divmod(_TREND_ANCHOR, 100)
    anchor = anchor_year * 12 + anchor_month - 1
    days = np.array([calendar.monthrange(int(y), int(m))[1]
                     for y, m in zip(years, month_of_year, strict=True)])
    amplitude, peak = _VAWG_SEASON
    shape = ((1.0 + _VAWG_TREND) ** ((index - anchor) / 12.0)
             * (1.0 + amplitude * np.cos(2.0 * np.pi * (month_of_year - peak) / 12.0))
             * days / (365.25 / 12.0) / 12.0)

    boroughs = london_boroughs().sort_values("borough")
    violence = _GROUPS.index("violence")
    demo_share = _AREA_SHARES[DEMO_BOROUGH][violence]
    areas = [(bcu, name, _VAWG_DEMO_YEAR * _AREA_SHARES[name][violence] / demo_share,
              _vawg_ward_weights(name, len(months)))
             for bcu, name in zip(boroughs["bcu"], boroughs["borough"], strict=True)]
    areas.append((_VAWG_OTHER, _VAWG_OTHER, _VAWG_OTHER_YEAR,
                  [(ward, np.full(len(months), w)) for ward, w in _VAWG_OTHER_WARDS]))

    rows = []
    for bcu, name, per_year, wards in areas:
        totals = rng.poisson(per_year * shape)
        weights = np.array([w for _, w in wards])
        weights = weights / weights.sum(axis=0)
        # (ward, month) counts: each month's total split over the wards by that month's weights.
        counts = np.stack([rng.multinomial(n, weights[:, t]) for t, n in enumerate(totals)],
                          axis=1)
        for (ward, _), (t, committed, count) in (
                (wards[w], cell) for w in range(len(wards))
                for cell in _vawg_cells(rng, counts[w], index)):
            rows.append((int(months[t]), bcu, name, ward, committed, count))

    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3] == "", r[3], -r[4]))
    path = folder / _VAWG_NAME.format(first=_FIRST_MONTH, last=_LAST_MONTH)
    _write_csv(path, _VAWG_HEADER, (
        [bcu, name, ward, _vawg_month(month // 100 * 12 + month % 100 - 1), _vawg_month(c),
         str(count)] for month, bcu, name, ward, c, count in rows))
    return path


def _vawg_month(key: int) -> str:
    if key == _VAWG_BLANK_KEY:
        return ""
    if key == _VAWG_PLACEHOLDER_KEY:
        return _VAWG_PLACEHOLDER
    year, month = divmod(key, 12)
    return f"{year:04d}-{month + 1:02d}-01"


def _vawg_ward_weights(borough: str, n_months: int) -> list[tuple[str, np.ndarray]]:
    """(ward name, weight per month) of a borough's offences; fixed, not drawn from the seed."""
    flat = np.ones(n_months)
    if borough != DEMO_BOROUGH:
        wards = [(f"{borough} {part}", share * (1 - _VAWG_NO_WARD) * flat)
                 for part, share in _VAWG_OTHER_BOROUGH_WARDS]
        return [*wards, ("", _VAWG_NO_WARD * flat)]
    names = [name for name, _ in demo_wards()]
    base = np.random.default_rng(_WARD_WEIGHT_SEED).gamma(_VAWG_WARD_SHAPE, size=len(names))
    base = base / base.mean()
    rising, start, end = _VAWG_RISING_WARD
    weights = []
    for name, b in zip(names, base, strict=True):
        factor = (np.linspace(start, end, n_months) if name == rising
                  else _VAWG_HOT_WARDS.get(name, 1.0) * flat)
        weights.append(b * factor)
    total = np.sum(weights, axis=0)
    old_name, old_share = _VAWG_OLD_WARD
    located = 1.0 - old_share - _VAWG_NO_WARD
    return ([(n, w / total * located) for n, w in zip(names, weights, strict=True)]
            + [(old_name, old_share * flat), ("", _VAWG_NO_WARD * flat)])


def _vawg_cells(rng: np.random.Generator, counts: np.ndarray, index: np.ndarray
                ) -> list[tuple[int, int, int]]:
    """One ward's offences by month recorded (``counts``) as (month position, month committed
    key, count) with a count: each offence given a delay band, then a month in it."""
    shares = np.array([band[2] for band in _VAWG_DELAYS])
    undated = np.array(_VAWG_UNDATED)
    probs = np.concatenate([shares * (1.0 - undated.sum()), undated])
    bands = rng.multinomial(counts, probs)
    cells: dict[tuple[int, int], int] = {}
    for b, (first, last, _, decay, january) in enumerate(_VAWG_DELAYS):
        where = np.repeat(np.arange(len(counts)), bands[:, b])
        if not len(where):
            continue
        span = np.arange(first, last + 1)
        weight = decay ** (span - first)
        committed = index[where] - rng.choice(span, size=len(where), p=weight / weight.sum())
        if january:
            to_january = rng.random(len(where)) < january
            committed = np.where(to_january, committed - committed % 12, committed)
        # One integer key per (month recorded, month committed): a delay is under 1,000 months.
        keys, n = np.unique(where * 1000 + (index[where] - committed), return_counts=True)
        for key, k in zip(keys.tolist(), n.tolist(), strict=True):
            t, delay = divmod(key, 1000)
            cells[(t, int(index[t]) - delay)] = cells.get((t, int(index[t]) - delay), 0) + k
    blank, placeholder = bands[:, -2], bands[:, -1]
    # One undated kind per ward-month: the reader would add the two together anyway.
    blank = np.where(blank > 0, blank + placeholder, 0)
    placeholder = np.where(blank > 0, 0, placeholder)
    for key, column in ((_VAWG_BLANK_KEY, blank), (_VAWG_PLACEHOLDER_KEY, placeholder)):
        for t in np.flatnonzero(column).tolist():
            cells[(t, key)] = int(column[t])
    return [(t, c, n) for (t, c), n in sorted(cells.items())]


def _write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

