"""Tests for the synthetic geography, population, IMD and police.uk files of the demo folder.

The point is that the loaders used on the real data run unchanged on the demo folder.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.demo import MARKER_FILENAME, SYNTHETIC_NOTICE, write_demo_data
from scpb_analysis.demo.geography import write_demo_geography
from scpb_analysis.geo.assign import REASON_ASSIGNED, REASON_NO_COORDINATES, assign_wards
from scpb_analysis.geo.ward_profiles import ward_deprivation, ward_population
from scpb_analysis.sources.boundaries import load_boroughs, load_lsoas, load_wards
from scpb_analysis.sources.deprivation import (
    ENGLAND_LSOAS,
    imd_lsoa21,
    load_imd,
    lsoa_deprivation_table,
    national_quantile,
)
from scpb_analysis.sources.policeuk import SOURCE_COLUMNS, read_policeuk
from scpb_analysis.sources.population import lsoa_population
from scpb_analysis.stats.deprivation import rate_by_deprivation

SEED = 20230719
FOLDERS = ("boundaries", "lookups", "population", "deprivation", "policeuk")
MONTHS = [str(p) for p in pd.period_range("2021-01", "2023-12", freq="M")]


def _reference_wards() -> pd.DataFrame:
    ref = resources.files("scpb_analysis.reference").joinpath("barnet_wards_2022.csv")
    with ref.open("r", encoding="utf-8", newline="") as handle:
        return pd.DataFrame(list(csv.DictReader(handle)))


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert write_demo_data(out, seed=SEED) == out / "mps"
    return out


@pytest.fixture(scope="module")
def wards(root: Path):
    return load_wards(root, "Barnet")


@pytest.fixture(scope="module")
def lsoas(root: Path):
    return load_lsoas(root, 2021, "Barnet")


@pytest.fixture(scope="module")
def census(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "population" / "census2021-ts007a-lsoa.csv", dtype={"date": str})


@pytest.fixture(scope="module")
def police(root: Path):
    return read_policeuk(root / "policeuk")


def test_writes_every_folder_beside_mps(root: Path, tmp_path: Path) -> None:
    assert {p.name for p in root.iterdir()} == {"mps", *FOLDERS}
    written = write_demo_geography(tmp_path, seed=SEED)
    assert all(p.is_file() for p in written)
    assert {p.relative_to(tmp_path).parts[0] for p in written} == set(FOLDERS)
    assert set(written) == {p for p in tmp_path.rglob("*") if p.is_file()}


def test_marker_in_every_folder(root: Path) -> None:
    folders = [p for p in root.rglob("*") if p.is_dir() and p.parts[len(root.parts)] != "mps"]
    assert len(folders) == len(FOLDERS) + len(MONTHS)
    for folder in folders:
        lines = (folder / MARKER_FILENAME).read_text(encoding="utf-8").splitlines()
        assert lines[0] == SYNTHETIC_NOTICE
        assert str(SEED) in lines[1]
        assert "demo_geography" in lines[1]


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    write_demo_geography(tmp_path / "a", SEED)
    write_demo_geography(tmp_path / "b", SEED)
    first, second = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert first == second
    assert len(first) == 3 + 2 + 1 + 1 + 36 + len(FOLDERS) + 36
    write_demo_geography(tmp_path / "c", SEED + 1)
    other = _snapshot(tmp_path / "c")
    for name in ("population/census2021-ts007a-lsoa.csv", "policeuk/2022-06/"
                 "2022-06-metropolitan-street.csv"):
        assert other[name] != first[name]


def test_wards_are_the_reference_wards_in_bng(root: Path, wards) -> None:
    ref = _reference_wards()
    assert len(wards) == 24
    assert wards.crs.to_epsg() == 27700
    assert set(wards["borough"]) == {"Barnet"}
    assert sorted(wards["ward_code"]) == sorted(ref["ward_code"])
    by_code = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
    assert by_code == dict(zip(ref["ward_code"], ref["ward_name"], strict=True))
    assert wards.is_valid.all()
    x0, y0, x1, y1 = wards.total_bounds
    assert 515_000 < x0 < x1 < 533_000 and 183_000 < y0 < y1 < 201_000
    areas_km2 = wards.area / 1e6
    assert 70 < areas_km2.sum() < 120 and areas_km2.min() > 1


def test_borough_is_the_union_of_the_wards(root: Path, wards) -> None:
    boroughs = load_boroughs(root)
    assert boroughs["borough"].tolist() == ["Barnet"]
    assert bool(boroughs["policed_by_mps"].iloc[0])
    shape = boroughs.geometry.iloc[0]
    assert shape.symmetric_difference(wards.union_all()).area < 1.0


def test_lsoas_nest_in_their_lookup_wards(root: Path, wards, lsoas, census) -> None:
    assert 8 * 24 <= len(lsoas) <= 12 * 24
    assert lsoas["lsoa_code"].is_unique
    assert all(re.fullmatch(r"E0199\d{4}", c) for c in lsoas["lsoa_code"])
    assert all(re.fullmatch(r"Barnet \d{3}[A-H]", n) for n in lsoas["lsoa_name"])
    assert set(lsoas["lsoa_code"]) == set(census["geography code"])
    lookup = pd.read_csv(next((root / "lookups").glob("*Ward*Best_Fit*.csv")),
                         encoding="utf-8-sig", dtype=str)
    assert set(lookup["LSOA21CD"]) == set(lsoas["lsoa_code"])
    ward_of = dict(zip(lookup["LSOA21CD"], lookup["WD22CD"], strict=True))
    shapes = wards.set_index("ward_code").geometry
    for row in lsoas.itertuples():
        inside = row.geometry.intersection(shapes[ward_of[row.lsoa_code]]).area
        assert inside / row.geometry.area > 0.9999, row.lsoa_code
    per_ward = pd.Series(ward_of).value_counts()
    assert per_ward.between(8, 12).all() and len(per_ward) == 24


def test_census_layout_matches_the_real_file(census: pd.DataFrame) -> None:
    real = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
    if real.exists():
        with real.open(encoding="utf-8-sig", newline="") as handle:
            assert list(census.columns) == next(csv.reader(handle))
    assert census.columns[:4].tolist() == ["date", "geography", "geography code", "Age: Total"]
    assert len(census.columns) == 4 + 18
    bands = census.iloc[:, 4:]
    assert (bands.sum(axis=1) == census["Age: Total"]).all()
    assert census["Age: Total"].between(700, 4000).all()


def test_ward_population_sums_the_lsoa_file(root: Path, census: pd.DataFrame) -> None:
    total = int(census["Age: Total"].sum())
    assert 385_000 < total < 393_000
    assert int(lsoa_population(root, "Barnet")["population"].sum()) == total
    wards = ward_population(root, "Barnet")
    assert len(wards) == 24
    assert int(wards["population"].sum()) == total
    assert wards["population"].between(8_000, 25_000).all()
    assert set(wards["ward_name"]) == set(_reference_wards()["ward_name"])
    assert "best-fit lookup" in wards["method"].iloc[0]


def test_imd_ranks_are_plausible_and_vary(root: Path) -> None:
    imd = load_imd(root)
    assert imd["imd_rank"].between(1, ENGLAND_LSOAS).all()
    assert imd["imd_rank"].is_unique
    assert (imd["imd_decile"] == national_quantile(imd["imd_rank"], 10)).all()
    carried = imd_lsoa21(root, "Barnet")
    assert set(carried["imd_carried"]) == {"unchanged"}
    assert carried["imd_quintile"].nunique() >= 3
    assert sorted(carried["borough_quintile"].unique()) == [1, 2, 3, 4, 5]
    wards = ward_deprivation(root, "Barnet")
    assert len(wards) == 24
    assert wards["share_most_deprived"].between(0, 1).all()
    assert len(set(national_quantile(wards["mean_imd_rank"], 5))) >= 3
    assert wards["share_borough_most_deprived"].max() > 0.4
    assert wards["share_borough_most_deprived"].min() == 0


def test_policeuk_files_and_header(root: Path, police) -> None:
    files = sorted((root / "policeuk").rglob("*.csv"))
    assert [f.parent.name for f in files] == MONTHS
    assert all(f.name == f"{f.parent.name}-metropolitan-street.csv" for f in files)
    header = files[0].read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == ",".join(SOURCE_COLUMNS)
    real = SHARED_DATA / "policeuk" / "met-burglary-2021-2023" / "2021-01-metropolitan-street.csv"
    if real.exists():
        assert header == real.read_text(encoding="utf-8").split("\n", 1)[0]
    assert police.files["rows_set_aside"].sum() == 0
    assert police.files["rows_loaded"].between(100, 600).all()
    assert sorted(police.ignored_files) == sorted(
        str(p) for p in (root / "policeuk").rglob(MARKER_FILENAME))
    points = police.points
    assert [str(m) for m in sorted(points["month"].unique())] == MONTHS
    assert set(points["crime_type"]) == {"Burglary"}
    assert points["crime_id"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert points["crime_id"].is_unique


def test_every_located_point_is_in_a_ward(root: Path, wards, lsoas, police) -> None:
    import geopandas as gpd

    points = police.points
    unlocated = points["longitude"].isna()
    assert 0 < police.no_location == int(unlocated.sum()) < 0.1 * len(points)
    assert (police.files["no_location"] > 0).sum() > 12
    assert (points.loc[unlocated, "location"] == "No Location").all()
    assert points.loc[unlocated, "lsoa_code"].isna().all()
    assert points.loc[~unlocated, "lsoa_code"].isin(set(lsoas["lsoa_code"])).all()

    result = assign_wards(points, wards)
    report = dict(zip(result.report["reason"], result.report["rows"], strict=True))
    assert report == {REASON_ASSIGNED: int((~unlocated).sum()),
                      REASON_NO_COORDINATES: int(unlocated.sum()),
                      "outside every ward boundary": 0}
    assert (result.unassigned["reason"] == REASON_NO_COORDINATES).all()
    assert result.points.loc[~unlocated, "ward_code"].nunique() == 24

    # The LSOA columns agree with where the point is.
    located = points[~unlocated]
    geo = gpd.GeoDataFrame(located[["lsoa_code"]],
                           geometry=gpd.points_from_xy(located["longitude"],
                                                       located["latitude"]),
                           crs=4326).to_crs(27700)
    joined = gpd.sjoin(geo, lsoas[["lsoa_code", "geometry"]].rename(
        columns={"lsoa_code": "found"}), predicate="within")
    assert len(joined) == len(located)
    assert (joined["found"] == joined["lsoa_code"]).all()


def test_rate_by_deprivation_on_policeuk_counts(root: Path, police) -> None:
    located = police.points.dropna(subset=["lsoa_code"])
    counts = located.groupby("lsoa_code").size().rename("count").reset_index()
    table = rate_by_deprivation(counts, lsoa_deprivation_table(root, "Barnet"), "Barnet")
    assert table["count"].sum() == len(located)
    assert np.isfinite(table["value"]).all()
    assert table["rate_ratio"].iloc[0] > 1


def test_module_import_does_not_load_geopandas() -> None:
    code = ("import sys, scpb_analysis.demo.geography, scpb_analysis.demo; "
            "print([m for m in ('geopandas', 'matplotlib', 'scipy') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
