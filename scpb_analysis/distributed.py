"""The police.uk ward counts and the borough ranking on a Dask cluster.

When a Violence Reduction Unit or a national comparison outgrows one machine, the same
analyses run on an existing Dask cluster (``dask.distributed``), with exactly the pandas
results:

* :func:`dask_ward_month_counts` reads and places each police.uk file in a Dask task (the
  ward index is sent to every worker once) and sums the per-file counts with
  ``dask.dataframe`` group-bys; the result is the :class:`~scpb_analysis.points.PointCounts`
  :func:`~scpb_analysis.points.ward_month_counts` gives;
* :func:`scpb_analysis.stats.ranking.rank_boroughs` takes a ``dask.dataframe`` of the tidy
  crime table as it takes a pandas one: the window totals are computed on the cluster, the
  32-row ranking locally.

Pointing at a cluster
---------------------
:func:`dask_client` connects to a scheduler named, in this order, by its ``address``
argument, the ``SCPB_DASK_SCHEDULER`` environment variable, or Dask's own configuration key
``scheduler-address`` (set in ``~/.config/dask/distributed.yaml`` as
``scheduler-address: tcp://10.0.0.5:8786``, or by ``DASK_SCHEDULER_ADDRESS``). With none
set it starts a ``LocalCluster`` on this machine. The workers need this package installed
(``pip install scpb_analysis[dask]``) and read the files from paths they can see (a shared
drive, or object storage mounted at the same path).

Examples
--------
>>> import tempfile
>>> import geopandas as gpd
>>> from shapely import box
>>> from scpb_analysis.sources.policeuk import SOURCE_COLUMNS
>>> folder = Path(tempfile.mkdtemp())
>>> row = "x,2023-05,Met,Met,{},51.55,On or near A Road,E01,Barnet 001A,Burglary,,\\n"
>>> _ = (folder / "2023-05-metropolitan-street.csv").write_text(
...     ",".join(SOURCE_COLUMNS) + "\\n" + row.format(-0.15) + row.format(1.0))
>>> wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(-0.2, 51.5, -0.1, 51.6)],
...                          crs=4326)
>>> result = dask_ward_month_counts(folder, wards)  # no client: Dask's local threads
>>> result.counts
  ward_code    month crime_type  count
0        W1  2023-05   Burglary      1
>>> result.rows_read, result.outside
(2, 1)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.points import (
    _FILE_COLUMNS,
    PointCounts,
    WardIndex,
    WardMonthTally,
    _counts_frame,
    _read_one,
)

__all__ = ["SCHEDULER_ENV", "dask_client", "dask_ward_month_counts", "scheduler_address"]

#: Environment variable naming the Dask scheduler (``tcp://host:8786``).
SCHEDULER_ENV = "SCPB_DASK_SCHEDULER"
# Row kinds in the per-file partial tables; only "in_ward" rows carry a ward, month and type.
_ACCOUNTING = ("rows_read", "rows_set_aside", "no_location", "outside", "on_boundary")
_PARTIAL = {"file": "string", "status": "string", "ward_code": "string", "month": "int64",
            "crime_type": "string", "count": "int64"}


def scheduler_address(address: str | None = None) -> str | None:
    """The scheduler to use: ``address``, ``$SCPB_DASK_SCHEDULER``, or Dask's config.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if address:
        return address
    if os.environ.get(SCHEDULER_ENV):
        return os.environ[SCHEDULER_ENV]
    import dask

    return dask.config.get("scheduler-address", None) or None


def dask_client(address: str | None = None, **local_cluster):
    """A ``dask.distributed.Client`` on the configured scheduler, or on a new LocalCluster.

    Parameters
    ----------
    address : str, optional
        Scheduler address; see :func:`scheduler_address` for where else it is looked up.
    **local_cluster
        Passed to ``LocalCluster`` when no scheduler is configured (e.g. ``n_workers=2``).

    Returns
    -------
    distributed.Client
        Close it (or use it as a context manager) when done; a LocalCluster it started
        closes with it.
    """
    from dask.distributed import Client

    found = scheduler_address(address)
    # Without an address the Client starts a LocalCluster it owns (closed with it).
    return Client(found) if found else Client(**local_cluster)


def _file_partial(path: str, index: WardIndex) -> pd.DataFrame:
    """One file's counts and row accounting as a tidy partial table (one Dask task)."""
    rows = _read_one(Path(path))
    tally = WardMonthTally(index)
    tally.add(rows.month, tally.type_ids(rows.type_labels)[rows.type_code], rows.lon, rows.lat)
    counts = tally.counts()
    accounting = pd.DataFrame({
        "file": path, "status": list(_ACCOUNTING), "ward_code": None, "month": -1,
        "crime_type": None,
        "count": [rows.rows_read, rows.set_aside, tally.no_location,
                  tally.outside - tally.on_boundary, tally.on_boundary]})
    placed = pd.DataFrame({
        "file": path, "status": "in_ward", "ward_code": counts["ward_code"],
        "month": pd.PeriodIndex(counts["month"]).asi8, "crime_type": counts["crime_type"],
        "count": counts["count"]})
    return pd.concat([accounting, placed], ignore_index=True).astype(_PARTIAL)


def dask_ward_month_counts(paths: str | Path | Iterable[str | Path], wards, *,
                           ward_code: str = "ward_code", client=None) -> PointCounts:
    """:func:`~scpb_analysis.points.ward_month_counts` on Dask: one task per file.

    Parameters
    ----------
    paths : path or iterable of paths
        police.uk street-level CSV files and/or folders, at paths the workers can read.
    wards : GeoDataFrame or WardIndex
        Ward polygons with a CRS and a code column, or a WardIndex.
    ward_code : str
        The wards' code column (ignored for a WardIndex).
    client : distributed.Client, optional
        Where to run (see :func:`dask_client`); without one, Dask's default scheduler (a
        client already made in this process, else local threads).

    Returns
    -------
    PointCounts
        The same counts, accounting and per-file table as the in-memory path;
        ``files.reader`` is ``"dask"``.

    Raises
    ------
    InputDataError
        As the in-memory path does, raised from the task that read the file.
    """
    import dask
    import dask.dataframe as dd

    from scpb_analysis.sources._files import find_csv_files

    files, _ = find_csv_files(paths, "police.uk street-level CSV files")
    index = wards if isinstance(wards, WardIndex) else WardIndex.cached(wards,
                                                                        ward_code=ward_code)
    if client is not None:
        shared = client.scatter(index, broadcast=True, hash=False)
    else:
        shared = dask.delayed(index, name=f"ward-index-{uuid.uuid4().hex}")
    task = dask.delayed(_file_partial, pure=True)
    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PARTIAL.items()})
    partials = dd.from_delayed([task(str(p), shared) for p in files], meta=meta,
                               verify_meta=False)
    placed = partials[partials["status"] == "in_ward"]
    # A tree reduction (split_out=1): the result is small, so no shuffle is needed.
    counts = placed.groupby(["ward_code", "month", "crime_type"])["count"].sum(split_out=1)
    accounting = partials[partials["status"] != "in_ward"].groupby(
        ["file", "status"])["count"].sum(split_out=1)
    if client is not None:
        counts, accounting = client.compute([counts, accounting], sync=True)
    else:
        counts, accounting = dask.compute(counts, accounting)
    return _assemble(counts, accounting, files)


def _assemble(counts: pd.Series, accounting: pd.Series, files: list[Path]) -> PointCounts:
    table = counts.reset_index()
    table = _counts_frame(table["ward_code"], table["month"], table["crime_type"],
                          table["count"])
    wide = accounting.unstack("status").reindex(columns=list(_ACCOUNTING), fill_value=0)
    wide = wide.fillna(0).astype(np.int64)
    wide = wide.reindex([str(p) for p in files], fill_value=0)
    info = pd.DataFrame({
        "file": [p.name for p in files],
        "rows_read": wide["rows_read"].to_numpy(),
        "rows_set_aside": wide["rows_set_aside"].to_numpy(),
        "no_location": wide["no_location"].to_numpy(),
        "reader": "dask",
        "path": [str(p) for p in files],
    }, columns=_FILE_COLUMNS)
    total = wide.sum()
    return PointCounts(
        counts=table,
        rows_read=int(total["rows_read"]),
        no_location=int(total["no_location"]),
        outside=int(total["outside"] + total["on_boundary"]),
        files=info,
        on_boundary=int(total["on_boundary"]),
        set_aside=int(total["rows_set_aside"]),
    )
