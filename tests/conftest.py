"""Shared test fixtures: where the real public data live, and small CSV writers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SCPB_SHARED_DATA", REPO.parent / "shared" / "data"))
MPS_BOROUGH = SHARED_DATA / "mps" / "borough"


def pytest_configure(config):
    # Timing deadlines fail tests on a busy 2-core machine without saying anything about the
    # code: hypothesis checks properties here, not speed (benchmarks measure speed).
    from hypothesis import settings

    settings.register_profile("scpb", deadline=None)
    settings.load_profile("scpb")

    # One table cache for the whole run, never the user's: the pack builds of a run share it
    # (a second build reads what the first made), and nothing outlives the run.
    import tempfile

    if "SCPB_CACHE_DIR" not in os.environ:
        config._scpb_cache = tempfile.TemporaryDirectory(prefix="scpb-test-cache-")
        os.environ["SCPB_CACHE_DIR"] = config._scpb_cache.name


def pytest_unconfigure(config):
    cache = getattr(config, "_scpb_cache", None)
    if cache is not None:
        os.environ.pop("SCPB_CACHE_DIR", None)
        cache.cleanup()
MPS_WARD = SHARED_DATA / "mps" / "ward"
MET_BURGLARY = SHARED_DATA / "policeuk" / "met-burglary-2021-2023"


def policeuk_header() -> str:
    """The police.uk street-level header line."""
    from scpb_analysis.sources.policeuk import SOURCE_COLUMNS

    return ",".join(SOURCE_COLUMNS) + "\n"


def policeuk_row(month="2023-05", lon="-0.15", lat="51.55", crime_type="Burglary") -> str:
    """One police.uk street-level data line (Barnet-like values)."""
    return (f"x1,{month},Metropolitan Police Service,Metropolitan Police Service,{lon},{lat},"
            f"On or near High Street,E01000248,Barnet 001A,{crime_type},Under investigation,\n")


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"real public data not found at {path}: these tests read ../shared/data beside the "
            "repository (or $SCPB_SHARED_DATA); they run in CI where it is present"
        )
    return path


@pytest.fixture(scope="session")
def mps_borough_dir() -> Path:
    return _require(MPS_BOROUGH)


@pytest.fixture(scope="session")
def mps_ward_dir() -> Path:
    return _require(MPS_WARD)


@pytest.fixture(scope="session")
def all_borough_vintages(mps_borough_dir):
    from scpb_analysis.sources.mps import read_mps_crime

    return read_mps_crime(mps_borough_dir)


@pytest.fixture(scope="session")
def all_ward_vintages(mps_ward_dir):
    from scpb_analysis.sources.mps import read_mps_crime

    return read_mps_crime(mps_ward_dir)


@pytest.fixture(scope="session")
def met_files() -> list[Path]:
    """The 36 real monthly police.uk Met burglary files."""
    files = sorted(MET_BURGLARY.glob("*.csv"))
    if len(files) != 36:
        pytest.skip(f"the 36 real police.uk Met burglary files are not at {MET_BURGLARY}: these "
                    "tests read ../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    return files


@pytest.fixture(scope="session")
def london_wards(met_files):
    """London's 684 wards (2022 scheme) from the real boundaries."""
    from scpb_analysis.sources.boundaries import load_wards

    return load_wards(SHARED_DATA)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    from scpb_analysis.demo import write_demo_data

    return write_demo_data(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def write_csv(tmp_path):
    """Write text to a CSV file in tmp_path (encoding selectable) and return its path."""

    def _write(text: str, name: str = "crime.csv", encoding: str = "utf-8",
               bom: bool = False) -> Path:
        path = tmp_path / name
        data = text.encode(encoding)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return _write


# police.uk outside London: Avon and Somerset 2023-01 to 2024-12 (no files for July and August
# 2024), read by the package (``avon``) and by plain pandas (``plain``).
AVON = SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12"
LOOKUP_2024 = (SHARED_DATA / "lookups"
               / "LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_Best_Fit_Lookup_in_EW.csv")
EXACT_FIT = (SHARED_DATA / "lookups"
             / "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Exact_Fit_Lookup_for_"
             "EW_(V3).csv")
BRISTOL = "E06000023"
FORCE_LADS = {"E06000022", "E06000023", "E06000024", "E06000025", "E06000066"}


@pytest.fixture(scope="session")
def avon():
    from scpb_analysis.sources.deprivation import exact_fit_lookup
    from scpb_analysis.sources.la_population import lsoa_ward_lad_lookup
    from scpb_analysis.sources.policeuk import read_policeuk
    from scpb_analysis.sources.policeuk_areas import policeuk_area_crime

    _require(AVON)
    _require(LOOKUP_2024)
    load = read_policeuk(AVON)
    return policeuk_area_crime(load, lsoa_ward_lad_lookup(SHARED_DATA, 2024), "Bristol, City of",
                               lsoa11=exact_fit_lookup(SHARED_DATA)[1])


@pytest.fixture(scope="session")
def plain():
    """The files and the lookup read with plain pandas, repeated Crime IDs dropped as
    read_policeuk documents (files in sorted order, the first row of a non-blank ID kept)."""
    import pandas as pd

    _require(AVON)
    _require(LOOKUP_2024)
    raw = pd.concat([pd.read_csv(path, dtype=str) for path in sorted(AVON.glob("*.csv"))],
                    ignore_index=True)
    ids = raw["Crime ID"].str.strip()
    ids = ids.where(ids != "")
    raw = raw[~(ids.notna() & ids.duplicated())]
    lookup = pd.read_csv(LOOKUP_2024, dtype=str, encoding="utf-8-sig")
    exact = pd.read_csv(_require(EXACT_FIT), dtype=str, encoding="utf-8-sig")
    # A 2011 code the 2021 lookup lacks goes to the authority of its 2021 LSOAs.
    lad = dict(zip(lookup["LSOA21CD"], lookup["LAD24CD"], strict=True))
    old = exact[~exact["LSOA11CD"].isin(lad)]
    lad.update(dict(zip(old["LSOA11CD"], old["LSOA21CD"].map(lad), strict=True)))
    raw["LAD"] = raw["LSOA code"].map(lad)
    return raw, lookup
