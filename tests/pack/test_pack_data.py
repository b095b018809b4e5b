"""PackData and its cache: each source found by one rule, made once, kept exactly, and refused
as "not available" only when it is truly absent."""

from __future__ import annotations

import ast
import inspect
import json
import multiprocessing
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.pack.cache import TableCache
from scpb_analysis.pack.data import open_pack_data

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory) -> Path:
    from scpb_analysis.demo import write_demo_data

    return write_demo_data(tmp_path_factory.mktemp("demo")).parent


def _awkward_frame(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "month": pd.period_range("2020-01", periods=n, freq="M"),
        "text": rng.choice(["Barnet", "Brent", "Camden"], n).astype(object),
        "with_none": pd.Series(rng.choice(["a", "b"], n), dtype=object),
        "string": pd.array(rng.choice(["x", "y"], n), dtype="string"),
        "count": rng.integers(0, 100, n),
        "rate": rng.random(n),
    })
    frame.loc[5, "with_none"] = None
    frame.loc[6, "with_none"] = np.nan
    frame.loc[7, "string"] = pd.NA  # police.uk's context column is mostly empty
    frame.attrs["publications"] = "two files"
    return frame


def test_a_cached_table_comes_back_exactly(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x\n1\n")
    frame = _awkward_frame()
    store = TableCache(data, tmp_path / "cache")
    made = []

    def make():
        made.append(1)
        return frame

    first = store.get("awkward", {"area": "Barnet"}, make)
    again = TableCache(data, tmp_path / "cache").get("awkward", {"area": "Barnet"}, make)
    assert len(made) == 1
    for out in (first, again):
        pd.testing.assert_frame_equal(out, frame, check_exact=True)
        assert out.attrs == frame.attrs
    # None and NaN stay apart, as the loaders left them.
    assert again.loc[5, "with_none"] is None and isinstance(again.loc[6, "with_none"], float)


def test_the_mps_load_object_comes_back_field_by_field(tmp_path, demo_root):
    from scpb_analysis.sources.mps import read_mps_crime_for_period

    paths = [demo_root / "mps" / "borough", demo_root / "mps" / "dashboard"]
    direct = read_mps_crime_for_period(paths, "2023-05", "as_published")
    store = TableCache(demo_root, tmp_path / "cache")
    make = lambda: read_mps_crime_for_period(paths, "2023-05", "as_published")  # noqa: E731
    store.get("crime", {}, make)
    cached = TableCache(demo_root, tmp_path / "cache").get("crime", {}, make)
    assert type(cached) is type(direct)
    for name, value in vars(direct).items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(cached, name), value, check_exact=True)
        else:
            assert getattr(cached, name) == value, name
    assert cached.publications_text() == direct.publications_text()


def test_a_changed_input_file_rebuilds_and_the_old_entry_goes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    source = data / "a.csv"
    source.write_text("x\n1\n")
    cache = tmp_path / "cache"
    read = lambda: pd.read_csv(source)  # noqa: E731
    assert TableCache(data, cache).get("t", {}, read)["x"].tolist() == [1]
    source.write_text("x\n2\n")
    assert TableCache(data, cache).get("t", {}, read)["x"].tolist() == [2]
    assert len(list(cache.glob("t-*.pkl"))) == 1
    # Another area is another table, kept beside it.
    TableCache(data, cache).get("t", {"area": "Brent"}, read)
    assert len(list(cache.glob("t-*.pkl"))) == 2


def test_warnings_are_raised_again_from_the_cache(tmp_path):
    data = tmp_path / "data"
    data.mkdir()

    def make():
        warnings.warn("2024-02 set aside: 40 offences", UserWarning, stacklevel=1)
        return pd.DataFrame({"a": [1]})

    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            TableCache(data, tmp_path / "cache").get("w", {}, make)
        assert [str(w.message) for w in caught] == ["2024-02 set aside: 40 offences"]


def test_no_cache_folder_makes_every_time(tmp_path):
    made = []
    store = TableCache(tmp_path, None)
    for _ in range(2):
        store.get("t", {}, lambda: made.append(1) or pd.DataFrame())
    assert len(made) == 2


def _slow_make(args):
    data, cache, log = args
    import time

    def make():
        with open(log, "a") as handle:
            handle.write("made\n")
        time.sleep(1.0)
        return pd.DataFrame({"a": [1]})

    return TableCache(data, cache).get("shared", {}, make)["a"].tolist()


def test_two_processes_asking_at_once_make_the_table_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "log.txt"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_slow_make, [(data, tmp_path / "cache", log)] * 2)
    assert results == [[1], [1]]
    assert log.read_text().splitlines() == ["made"]


# ---------------------------------------------------------------------------------------------
# PackData


def test_pack_data_tables_equal_the_loaders(demo_root, tmp_path):
    from scpb_analysis.geo.ward_profiles import ward_population
    from scpb_analysis.sources.mps import area_ward_crime, read_mps_crime_for_period

    data = open_pack_data(demo_root, "barnet", "2023-05", cache_dir=tmp_path / "cache")
    assert data.area == "Barnet" and data.synthetic
    direct = area_ward_crime(demo_root / "mps" / "ward", "Barnet", "2023-05")
    pd.testing.assert_frame_equal(data.ward_crime(), direct)
    assert data.ward_crime().attrs == direct.attrs
    pd.testing.assert_frame_equal(data.ward_population(), ward_population(demo_root, "Barnet"))
    borough = read_mps_crime_for_period(demo_root / "mps" / "borough", "2023-05").table
    pd.testing.assert_frame_equal(data.borough_crime(), borough, check_exact=True)
    # Asked again, the same object: made once per notebook.
    assert data.ward_crime() is data.ward_crime()


@pytest.mark.slow
def test_borough_crime_from_the_shared_load_equals_the_borough_folder_on_real_data(tmp_path):
    if not (SHARED_DATA / "mps" / "dashboard").is_dir():
        pytest.skip(f"real data not at {SHARED_DATA}")
    from scpb_analysis.sources.mps import read_mps_crime_for_period

    data = open_pack_data(SHARED_DATA, "Barnet", "2023-05", cache_dir=None)
    alone = read_mps_crime_for_period(SHARED_DATA / "mps" / "borough", "2023-05").table
    pd.testing.assert_frame_equal(data.borough_crime(), alone, check_exact=True)


def test_a_missing_source_is_none_a_malformed_one_raises(tmp_path):
    data = open_pack_data(tmp_path, "Barnet", "2023-05", cache_dir=None)
    for table in ("crime_for_period", "borough_crime", "ward_crime", "imd", "lsoa_population",
                  "ward_profiles_file", "policeuk_points", "wards"):
        with pytest.raises(MissingSourceError):
            getattr(data, table)()
        assert data.optional(table) is None
    assert data.missing_notes("population", "partnership")[0].startswith(
        "Not in this data: needs Census 2021")
    bad = tmp_path / "population"
    bad.mkdir()
    (bad / "census2021-ts007a-lsoa.csv").write_text(
        "geography code,geography,Age: Total\nE01000001,City of London 001A,abc\n")
    data = open_pack_data(tmp_path, "Barnet", "2023-05", cache_dir=None)
    with pytest.raises(InputDataError) as raised:
        data.optional("lsoa_population")
    assert not isinstance(raised.value, MissingSourceError)


def test_lsoa_crime_is_none_without_its_folder_and_the_note_names_it(tmp_path):
    data = open_pack_data(tmp_path, "Barnet", "2025-02", cache_dir=None)
    assert data.optional("lsoa_crime") is None
    assert data.missing_notes("mps_lsoa") == [
        "Not in this data: needs MPS LSOA Level Crime (2021 LSOAs, every offence group) from the "
        "London Datastore (folder mps/lsoa/)."]
    assert data.ward_sources[0] == "mps_ward"


@pytest.mark.filterwarnings("ignore:.*month 2024-02 set aside:UserWarning")
def test_lsoa_crime_and_the_all_offence_ward_files_on_real_data():
    if not (SHARED_DATA / "mps" / "lsoa").is_dir():
        pytest.skip(f"real data not at {SHARED_DATA}")
    path = SHARED_DATA / "mps" / "lsoa" / "recorded-crime-lsoa_202402-202602.parquet"
    raw = pd.read_parquet(path, columns=["lsoa_code", "borough"])
    barnet_lsoas = set(raw.loc[raw["borough"].isin(["E09000003"]), "lsoa_code"])
    data = open_pack_data(SHARED_DATA, "Barnet", "2025-02", figures="latest", cache_dir=None)
    assert data.has("mps_lsoa", "mps_ward_all")
    lsoa = data.lsoa_crime()
    assert set(lsoa["area_code"]) == barnet_lsoas and (lsoa["area_type"] == "lsoa").all()
    # February 2024 holds 0.1% of a month (extracted early): set aside, not read.
    assert str(lsoa["month"].min()) == "2024-03" and str(lsoa["month"].max()) == "2026-02"
    assert lsoa.attrs["publications"].endswith(
        "files used: recorded-crime-lsoa_202402-202602.parquet")
    # With the latest figures the newer all-offence ward file wins its months.
    wards = data.ward_crime()
    newest = wards[wards["month"] >= pd.Period("2025-04", "M")]
    assert str(wards["month"].max()) == "2026-02"
    assert set(newest["source_file"]) == {"recorded-crime-ward_202402-202602.parquet"}
    assert "recorded-crime-ward_202402-202602.parquet" in wards.attrs["publications"]


@pytest.mark.slow
def test_as_published_ward_figures_are_unchanged_by_the_all_offence_folder():
    if not (SHARED_DATA / "mps" / "ward-all-offences").is_dir():
        pytest.skip(f"real data not at {SHARED_DATA}")
    from scpb_analysis.sources.mps import area_ward_crime

    data = open_pack_data(SHARED_DATA, "Barnet", "2025-02", cache_dir=None)
    alone = area_ward_crime(SHARED_DATA / "mps" / "ward", "Barnet", "2025-02")
    pd.testing.assert_frame_equal(data.ward_crime(), alone)
    assert data.ward_crime().attrs == alone.attrs


def test_sv_partner_data_is_the_loaders_never_cached_and_empty_without_its_folder(tmp_path):
    from scpb_analysis.sources.sv_partners import load_sv_partner_data

    root = tmp_path / "data"
    root.mkdir()
    data = open_pack_data(root, "Barnet", "2023-05", cache_dir=None)
    empty = data.sv_partner_data()
    assert not empty.found and empty.loads == {}
    # No folder is no MissingSourceError: the gap table needs the empty result.
    assert data.optional("sv_partner_data") is empty
    svd = root / "svd"
    svd.mkdir()
    (svd / "hes.csv").write_text("Month,Age Band,Sex,Admissions\n2023-04,18-24,M,3\n"
                                 "2023-06,18-24,M,4\n", encoding="utf-8")
    direct = load_sv_partner_data(svd, period_end="2023-05")
    for _ in range(2):  # read afresh each time: partner data never go to the disk cache
        data = open_pack_data(root, "Barnet", "2023-05", cache_dir=tmp_path / "cache")
        assert data.has("svd")
        loaded = data.sv_partner_data()
        assert loaded is data.sv_partner_data()
        assert list(loaded.loads) == ["hospital_admissions"] and loaded.found
        pd.testing.assert_frame_equal(loaded.loads["hospital_admissions"].table,
                                      direct.loads["hospital_admissions"].table)
        assert loaded.notes() == direct.notes() and loaded.notes()  # June: after the period
    assert "sv_partner_data" not in data.cache.hits + data.cache.misses


def test_open_pack_data_refuses_bad_figures(tmp_path):
    with pytest.raises(ValueError, match="figures"):
        open_pack_data(tmp_path, "Barnet", "2023-05", figures="revised")


# ---------------------------------------------------------------------------------------------
# The one-way house: blocks take tables, notebooks open their data once and hide no warnings


def test_no_report_block_takes_a_data_folder():
    import importlib
    import pkgutil

    import scpb_analysis.blocks as blocks

    takers = []
    for info in pkgutil.iter_modules(blocks.__path__):
        module = importlib.import_module(f"scpb_analysis.blocks.{info.name}")
        for name, func in vars(module).items():
            if (inspect.isfunction(func) and func.__module__ == module.__name__
                    and not name.startswith("_")):
                if {"data_dir", "folder_path"} & set(inspect.signature(func).parameters):
                    takers.append(f"{module.__name__}.{name}")
    assert takers == []


def _code_cells(name: str) -> list[str]:
    book = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
    return ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"
            and "parameters" not in c["metadata"].get("tags", [])]


@pytest.mark.parametrize("name", ["performance_dashboard", "ward_maps", "ward_profile",
                                  "serious_violence_needs_assessment", "partnership"])
def test_notebooks_open_their_data_once_and_show_warnings(name):
    code = "\n".join(_code_cells(name))
    assert "filterwarnings" not in code and "show_reader_warnings()" in code
    assert code.count("open_pack_data(") == 1
    # data_dir reaches the package only through open_pack_data.
    uses = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)
            and n.id == "data_dir"]
    assert len(uses) == 1


def test_reader_warnings_show_the_toolkits_and_hide_library_noise(monkeypatch):
    import IPython.display

    from scpb_analysis.pack.publish import show_reader_warnings

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    before = warnings.showwarning
    try:
        with warnings.catch_warnings():
            show_reader_warnings()
            package_file = str(REPO / "scpb_analysis" / "sources" / "mps.py")
            warnings.warn_explicit("2 months set aside", UserWarning, package_file, 10)
            warnings.warn_explicit("use of a deprecated thing", DeprecationWarning,
                                   package_file, 11)
            warnings.warn_explicit("internal detail", UserWarning,
                                   "/usr/lib/python3/site-packages/lib/thing.py", 5)
    finally:
        warnings.showwarning = before
    assert shown == ["> **Note:** 2 months set aside"]


@pytest.mark.slow
def test_the_build_shares_its_cache_and_no_cache_writes_none(demo_root, tmp_path, monkeypatch):
    from scpb_analysis.cli import main

    cache = tmp_path / "cache"
    args = ["build", "--data-dir", str(demo_root), "--period-end", "2023-05", "--only",
            "ward_profile", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "a"), "--cache-dir", str(cache)]) == 0
    kinds = {p.name.split("-")[0] for p in cache.glob("*.pkl")}
    assert {"ward_crime", "ward_population", "lsoa_wards", "lsoa_deprivation"} <= kinds
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("SCPB_CACHE_DIR", str(elsewhere))
    assert main([*args, "--out", str(tmp_path / "b"), "--no-cache"]) == 0
    assert not elsewhere.exists()
    first = sorted((tmp_path / "a" / "tables").iterdir())
    assert [p.read_bytes() for p in first] == [
        (tmp_path / "b" / "tables" / p.name).read_bytes() for p in first]
