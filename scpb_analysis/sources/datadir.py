"""What a data folder holds: the sources a pack can be built from, and the ones it lacks.

The pack's notebooks take one ``data_dir`` parameter. The folder is laid out like
``../shared/data`` and like the demo folder ``scpb build`` writes: ``mps/borough``,
``mps/ward``, ``mps/ward-all-offences``, ``mps/lsoa``, ``mps/dashboard``, ``policeuk``,
``boundaries``, ``population``, ``lookups``, ``deprivation``, ``partnership``, ``ons``
(police recorded crime by Community Safety Partnership) and ``svd`` (the Serious Violence Duty
partner templates, filled in). Any of them may be missing; the notebooks then print a visible
"not in this data" note instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DataFolder", "locate_data", "missing_note"]

_FOLDERS = {
    "mps_borough": ("mps", "borough"),
    "mps_ward": ("mps", "ward"),
    # The re-shared Parquet copies of the same publication: read with mps/ward, newest wins.
    "mps_ward_all": ("mps", "ward-all-offences"),
    "mps_lsoa": ("mps", "lsoa"),
    "mps_dashboard": ("mps", "dashboard"),
    "mps_homicide": ("mps", "homicide"),
    "mps_vawg": ("mps", "vawg"),
    "policeuk": ("policeuk",),
    "boundaries": ("boundaries",),
    "population": ("population",),
    "lookups": ("lookups",),
    "deprivation": ("deprivation",),
    "partnership": ("partnership",),
    "ons_csp": ("ons",),
    "svd": ("svd",),
}

#: What each source is and who publishes it, for "not in this data" notes.
SOURCE_OWNERS = {
    "mps_borough": "MPS Borough Level Crime from the London Datastore",
    "mps_ward": "MPS Ward Level Crime from the London Datastore",
    "mps_ward_all": "MPS Ward Level Crime, every offence group on 2022 wards, from the London "
    "Datastore",
    "mps_lsoa": "MPS LSOA Level Crime (2021 LSOAs, every offence group) from the London "
    "Datastore",
    "mps_dashboard": "the MPS Monthly Crime Dashboard extract (knife crime, gun crime, domestic "
    "abuse, hate crime) from the London Datastore",
    "mps_homicide": "the MPS homicide file (persons proceeded against by borough, age group "
    "and sex) from the London Datastore",
    "mps_vawg": "the MPS violence against women and girls offences file (by ward, month "
    "recorded and month committed) from the London Datastore",
    "policeuk": "street-level crime from data.police.uk",
    "boundaries": "ward and LSOA boundaries from the ONS Open Geography Portal",
    "population": "Census 2021 TS007A population by LSOA from ONS",
    "lookups": "LSOA to ward lookups from the ONS Open Geography Portal",
    "deprivation": "English Indices of Deprivation 2019 from MHCLG",
    "partnership": "partnership exports (CCTV, ASB, CS MARAC, Prevent) from the council",
    "ons_csp": "police recorded crime by Community Safety Partnership (Table C2) from ONS",
    "svd": "Serious Violence Duty partner templates (A&E/ISTV, hospital admissions, youth "
    "justice, education, probation, children's social care, police victim and suspect "
    "extract, perception survey) filled in by the partners",
}


@dataclass(frozen=True)
class DataFolder:
    """The sources found in one data folder (the one rule for where each source lives).

    Attributes
    ----------
    root : Path
        The folder.
    folders : dict
        Source name (``mps_borough``, ``mps_ward``, ``mps_ward_all``, ``mps_lsoa``,
        ``mps_dashboard``, ``mps_homicide``, ``mps_vawg``, ``policeuk``, ``boundaries``,
        ``population``, ``lookups``, ``deprivation``, ``partnership``, ``ons_csp``, ``svd``) to
        its folder, for those present with at least one file.
    synthetic : bool
        True if the folder holds the demo data's ``SYNTHETIC_DATA.txt`` notice.
    """

    root: Path
    folders: dict[str, Path] = field(default_factory=dict)
    synthetic: bool = False

    def has(self, *sources: str) -> bool:
        """True if every named source is present."""
        return all(s in self.folders for s in sources)

    def path(self, source: str) -> Path:
        """The folder of one source.

        Raises
        ------
        MissingSourceError
            Naming the folder looked for and what belongs there.
        """
        if source not in self.folders:
            from scpb_analysis.core.errors import MissingSourceError

            where = self.root.joinpath(*_FOLDERS[source])
            raise MissingSourceError(where, "is not in this data folder", source=source,
                                     expected=SOURCE_OWNERS[source])
        return self.folders[source]


def locate_data(data_dir: str | Path) -> DataFolder:
    """Find the pack's sources in a data folder.

    Parameters
    ----------
    data_dir : path
        A folder laid out like the demo data or ``../shared/data``.

    Returns
    -------
    DataFolder

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` is not a folder.

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> found = locate_data(example_folder())
    >>> found.has("mps_borough", "mps_ward"), found.synthetic
    (True, True)
    """
    from scpb_analysis.core.marker import MARKER_FILENAME

    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: data folder not found (expected a folder with "
                                "mps/borough, mps/ward, boundaries, population, ...)")
    folders = {}
    for name, parts in _FOLDERS.items():
        folder = root.joinpath(*parts)
        if folder.is_dir() and any(p.is_file() and p.name != MARKER_FILENAME
                                   for p in folder.rglob("*")):
            folders[name] = folder
    synthetic = (root / MARKER_FILENAME).exists() or any(
        (folder / MARKER_FILENAME).exists() for folder in folders.values())
    return DataFolder(root=root, folders=folders, synthetic=synthetic)


def missing_note(source: str, root: str | Path | None = None) -> str:
    """The note a report prints where a source is not in the data.

    Examples
    --------
    >>> missing_note("deprivation")
    'Not in this data: needs English Indices of Deprivation 2019 from MHCLG (folder deprivation/).'
    """
    where = "/".join(_FOLDERS[source]) + "/"
    if root is not None:
        where = f"{Path(root) / where}"
    return f"Not in this data: needs {SOURCE_OWNERS[source]} (folder {where})."
