"""The Dask path on a LocalCluster: exactly the pandas counts and borough ranking, each crime
counted once when files repeat Crime IDs."""

from __future__ import annotations

import shutil
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from conftest import policeuk_header, policeuk_row
from shapely import box

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.points import ward_month_counts

dd = pytest.importorskip("dask.dataframe", reason="dask is in the test extra: "
                         "pip install -e '.[test]'")
distributed = pytest.importorskip("distributed")

from scpb_analysis.geo.distributed import (  # noqa: E402
    SCHEDULER_ENV,
    dask_client,
    dask_ward_month_counts,
    scheduler_address,
)


@pytest.fixture(scope="module")
def cluster():
    # Two worker processes, as on a small real cluster: the ward index and the tasks are
    # pickled and sent, not shared in memory.
    with dask_client(n_workers=2, threads_per_worker=1, processes=True,
                     dashboard_address=":0") as client:
        yield client


def _assert_same(found, expected) -> None:
    """The Dask result equals the in-memory one: counts, accounting and per-file report."""
    pd.testing.assert_frame_equal(found.counts, expected.counts)
    for name in ("rows_read", "duplicates", "no_location", "outside", "on_boundary",
                 "set_aside"):
        assert getattr(found, name) == getattr(expected, name), name
    pd.testing.assert_frame_equal(found.files.drop(columns="reader"),
                                  expected.files.drop(columns="reader"))


@pytest.mark.slow
def test_real_files_on_a_local_cluster_equal_pandas(met_files, london_wards, cluster):
    wards = london_wards
    expected = ward_month_counts(met_files, wards)
    found = dask_ward_month_counts(met_files, wards, client=cluster)
    _assert_same(found, expected)
    assert (found.files["reader"] == "dask").all()
    assert found.duplicates > 0


def test_repeated_crime_ids_across_files_on_a_local_cluster(met_files, london_wards, tmp_path,
                                                            cluster):
    # Two real files, the first again in another folder, and a small file repeating IDs of
    # the first within itself and of a real file: every crime once, as in pandas.
    for folder, paths in (("a", met_files[:2]), ("b", met_files[:1])):
        (tmp_path / folder).mkdir()
        for path in paths:
            shutil.copy(path, tmp_path / folder / path.name)
    real_id = pd.read_csv(met_files[1])["Crime ID"].dropna().iloc[0]
    rows = [policeuk_row().replace("x1,", f"{crime_id},", 1)
            for crime_id in (real_id, "z1", "z1", "", "")]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "extra.csv").write_text(policeuk_header() + "".join(rows))
    expected = ward_month_counts(tmp_path, london_wards)
    # b/ holds a copy of a file of a/: set aside whole, as a copy.
    assert expected.files[["rows_set_aside", "duplicates_same_file", "duplicates_earlier_file"]
                          ].values.tolist()[2:] == [[len(pd.read_csv(met_files[0])), 0, 0],
                                                    [0, 1, 1]]
    found = dask_ward_month_counts(tmp_path, london_wards, client=cluster)
    _assert_same(found, expected)
    assert found.rows_read == (found.set_aside + found.duplicates + found.no_location
                               + found.outside + int(found.counts["count"].sum()))


@pytest.mark.slow
def test_borough_ranking_on_a_local_cluster_equals_pandas(cluster, all_borough_vintages):
    from scpb_analysis.stats.ranking import rank_boroughs

    table = all_borough_vintages.table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sending a large graph": the table is embedded
        frame = dd.from_pandas(table, npartitions=8)
        for basis in ("pct_change_3m", "pct_change_12m", "rate_12m", "count_3m"):
            for indicator in ("residential_burglary", "violence_with_injury"):
                pd.testing.assert_frame_equal(
                    rank_boroughs(frame, indicator, "2023-05", basis=basis),
                    rank_boroughs(table, indicator, "2023-05", basis=basis))


def test_a_bad_file_fails_the_task_with_the_file_row_and_column(write_csv, cluster):
    write_csv(policeuk_header() + policeuk_row(), "2023-04-metropolitan-street.csv")
    bad = write_csv(policeuk_header() + policeuk_row(lon="west"),
                    "2023-05-metropolitan-street.csv")
    wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(-0.2, 51.5, -0.1, 51.6)],
                             crs=4326)
    with pytest.raises(InputDataError) as caught:
        dask_ward_month_counts(bad.parent, wards, client=cluster)
    assert (caught.value.row, caught.value.column) == (2, "Longitude")
    assert caught.value.file.endswith("2023-05-metropolitan-street.csv")


def test_scheduler_address_comes_from_argument_environment_or_dask_config(monkeypatch):
    import dask

    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        assert scheduler_address() is None
    with dask.config.set({"scheduler-address": "tcp://10.0.0.9:8786"}):
        assert scheduler_address() == "tcp://10.0.0.9:8786"
        monkeypatch.setenv(SCHEDULER_ENV, "tcp://10.0.0.5:8786")
        assert scheduler_address() == "tcp://10.0.0.5:8786"
        assert scheduler_address("tcp://127.0.0.1:1") == "tcp://127.0.0.1:1"


def test_client_connects_to_a_configured_scheduler(monkeypatch):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as running:
        monkeypatch.setenv(SCHEDULER_ENV, running.scheduler_address)
        with dask_client() as client:
            assert client.scheduler.address == running.scheduler_address
            assert len(client.scheduler_info()["workers"]) == 1
