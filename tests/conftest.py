"""Shared test fixtures: where the real public data live, and small CSV writers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SCPB_SHARED_DATA", REPO.parent / "shared" / "data"))
MPS_BOROUGH = SHARED_DATA / "mps" / "borough"
MPS_WARD = SHARED_DATA / "mps" / "ward"


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
