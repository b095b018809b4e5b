"""The police.uk ward counts and the borough ranking on a Dask cluster.

When a Violence Reduction Unit or a national comparison outgrows one machine, the same
analyses run on an existing Dask cluster (``dask.distributed``), with exactly the pandas
results:

* :func:`dask_ward_month_counts` reads and places each police.uk file in a Dask task (the
  ward index is sent to every worker once) and sums the per-file counts with
  ``dask.dataframe`` group-bys; the result is the :class:`~scpb_analysis.geo.points.PointCounts`
  :func:`~scpb_analysis.geo.points.ward_month_counts` gives. Each crime is counted once, by the
  same rule: each task sends back its file's distinct Crime ID keys (16 bytes each), the
  client finds, in file order, the IDs a file shares with an earlier one, and only a file
  that has some is read again, without them;
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
>>> from scpb_analysis.demo import example_points
>>> folder, wards = example_points(tempfile.mkdtemp())
>>> result = dask_ward_month_counts(folder, wards)  # no client: Dask's local threads
>>> int(result.counts["count"].sum()), result.rows_read, result.duplicates, result.outside
(2, 4, 1, 1)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.geo.points import (
    FILE_COLUMNS,
    FileRows,
    PointCounts,
    SeenCrimeIds,
    WardIndex,
    WardMonthTally,
    counts_frame,
    read_one,
)

__all__ = ["SCHEDULER_ENV", "dask_client", "dask_ward_month_counts", "scheduler_address"]

#: Environment variable naming the Dask scheduler (``tcp://host:8786``).
SCHEDULER_ENV = "SCPB_DASK_SCHEDULER"
# Row kinds in the per-file partial tables; only "in_ward" rows carry a ward, month and type.
_ACCOUNTING = ("rows_read", "rows_set_aside", "duplicates_same_file",
               "duplicates_earlier_file", "no_location", "outside", "on_boundary",
               "other_force", "unknown_crime_type")
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


def _partial(path: str, rows: FileRows, index: WardIndex,
             earlier: tuple[np.ndarray, np.ndarray] | None) -> tuple[pd.DataFrame, tuple]:
    """One file's counts and row accounting as a tidy partial table, and its distinct Crime
    ID keys; ``earlier`` holds the keys of its IDs first seen in an earlier file."""
    seen = SeenCrimeIds()
    if earlier is not None:  # the earlier files, as one file before this one
        seen.repeats(*earlier, np.ones(len(earlier[0]), dtype=bool), file=0)
    repeat, same = seen.repeats(rows.key_hi, rows.key_lo, rows.has_id, file=1)
    keep = ~repeat
    summary = rows.summary(0, 0, 0)  # the rows set aside, and why
    tally = WardMonthTally(index)
    tally.add(rows.month[keep], tally.type_ids(rows.type_labels)[rows.type_code[keep]],
              rows.lon[keep], rows.lat[keep])
    counts = tally.counts()
    accounting = pd.DataFrame({
        "file": path, "status": list(_ACCOUNTING), "ward_code": None, "month": -1,
        "crime_type": None,
        "count": [rows.rows_read, rows.set_aside, int(same.sum()), int((repeat & ~same).sum()),
                  tally.no_location, tally.outside - tally.on_boundary, tally.on_boundary,
                  summary["other_force"], summary["unknown_crime_type"]]})
    placed = pd.DataFrame({
        "file": path, "status": "in_ward", "ward_code": counts["ward_code"],
        "month": pd.PeriodIndex(counts["month"]).asi8, "crime_type": counts["crime_type"],
        "count": counts["count"]})
    partial = pd.concat([accounting, placed], ignore_index=True).astype(_PARTIAL)
    first = rows.has_id & keep
    return partial, (rows.key_hi[first], rows.key_lo[first]), summary["set_aside_why"]


def _read_as(path: str, repeat_of: str | None) -> FileRows:
    rows = read_one(Path(path))
    return rows if repeat_of is None else rows.as_repeat_of(Path(repeat_of))


def _file_pass(path: str, index: WardIndex, repeat_of: str | None = None
               ) -> tuple[pd.DataFrame, tuple, str]:
    """A file read and counted (repeats within it set aside), with its distinct ID keys and
    why rows were set aside; ``repeat_of`` names the earlier file it repeats, if any."""
    return _partial(path, _read_as(path, repeat_of), index, None)


def _file_partial(path: str, index: WardIndex, earlier_hi: np.ndarray,
                  earlier_lo: np.ndarray, repeat_of: str | None = None) -> pd.DataFrame:
    """A file read again and counted without the IDs an earlier file had (one Dask task)."""
    return _partial(path, _read_as(path, repeat_of), index, (earlier_hi, earlier_lo))[0]


def _table_of(done: tuple) -> pd.DataFrame:
    return done[0]


def _keys_of(done: tuple) -> tuple[tuple[np.ndarray, np.ndarray], str]:
    return done[1], done[2]


def dask_ward_month_counts(paths: str | Path | Iterable[str | Path], wards, *,
                           ward_code: str = "ward_code", client=None) -> PointCounts:
    """:func:`~scpb_analysis.geo.points.ward_month_counts` on Dask: one task per file.

    Parameters
    ----------
    paths : path or iterable of paths
        police.uk street-level CSV files (or Parquet copies) and/or folders, at paths the
        workers can read; files are taken in sorted path order.
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
        The same counts, accounting (``rows_read = set_aside + duplicates + no_location +
        outside + in_wards``) and per-file table as the in-memory path; ``files.reader`` is
        ``"dask"``. The client holds the distinct Crime ID keys (about 20 bytes each) while
        it looks for IDs shared between files.

    Raises
    ------
    InputDataError
        As the in-memory path does, raised from the task that read the file.
    """
    import dask
    import dask.dataframe as dd

    from scpb_analysis.sources.policeuk import policeuk_files, repeated_files

    files, _ = policeuk_files(paths)
    repeats = {path: str(first) for path, first in repeated_files(files).items()}
    index = wards if isinstance(wards, WardIndex) else WardIndex.cached(wards,
                                                                        ward_code=ward_code)
    if client is not None:
        shared = client.scatter(index, broadcast=True, hash=False)
    else:
        shared = dask.delayed(index, name=f"ward-index-{uuid.uuid4().hex}")
    # First pass: every file counted with its own repeats set aside; kept on the workers.
    first = [dask.delayed(_file_pass, pure=True)(str(p), shared, repeats.get(p))
             for p in files]
    first = client.persist(first) if client is not None else list(dask.persist(*first))
    keys = [dask.delayed(_keys_of, pure=True)(done) for done in first]
    keys = client.compute(keys, sync=True) if client is not None else dask.compute(*keys)
    # In file order: the IDs each file shares with an earlier one.
    seen = SeenCrimeIds()
    tables = []
    for i, (path, done, ((hi, lo), _)) in enumerate(zip(files, first, keys, strict=True)):
        repeat, _ = seen.repeats(hi, lo, np.ones(len(hi), dtype=bool), file=i)
        if repeat.any():  # read again, without them
            tables.append(dask.delayed(_file_partial, pure=True)(
                str(path), shared, hi[repeat], lo[repeat], repeats.get(path)))
        else:
            tables.append(dask.delayed(_table_of, pure=True)(done))
    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PARTIAL.items()})
    partials = dd.from_delayed(tables, meta=meta, verify_meta=False)
    placed = partials[partials["status"] == "in_ward"]
    # A tree reduction (split_out=1): the result is small, so no shuffle is needed.
    counts = placed.groupby(["ward_code", "month", "crime_type"])["count"].sum(split_out=1)
    accounting = partials[partials["status"] != "in_ward"].groupby(
        ["file", "status"])["count"].sum(split_out=1)
    if client is not None:
        counts, accounting = client.compute([counts, accounting], sync=True)
    else:
        counts, accounting = dask.compute(counts, accounting)
    why = [w for _, w in keys]
    return _assemble(counts, accounting, files,
                     {p: Path(f).name for p, f in repeats.items()}, why)


def _assemble(counts: pd.Series, accounting: pd.Series, files: list[Path],
              repeats: dict[Path, str], why: list[str]) -> PointCounts:
    table = counts.reset_index()
    table = counts_frame(table["ward_code"], table["month"], table["crime_type"],
                          table["count"])
    wide = accounting.unstack("status").reindex(columns=list(_ACCOUNTING), fill_value=0)
    wide = wide.fillna(0).astype(np.int64)
    wide = wide.reindex([str(p) for p in files], fill_value=0)
    info = pd.DataFrame({
        "file": [p.name for p in files],
        "rows_read": wide["rows_read"].to_numpy(),
        "rows_set_aside": wide["rows_set_aside"].to_numpy(),
        "duplicates_same_file": wide["duplicates_same_file"].to_numpy(),
        "duplicates_earlier_file": wide["duplicates_earlier_file"].to_numpy(),
        "no_location": wide["no_location"].to_numpy(),
        "other_force": wide["other_force"].to_numpy(),
        "unknown_crime_type": wide["unknown_crime_type"].to_numpy(),
        "same_rows_as": [repeats.get(p, "") for p in files],
        "set_aside_why": why,
        "reader": "dask",
        "path": [str(p) for p in files],
    }, columns=FILE_COLUMNS)
    total = wide.sum()
    return PointCounts(
        counts=table,
        rows_read=int(total["rows_read"]),
        no_location=int(total["no_location"]),
        outside=int(total["outside"] + total["on_boundary"]),
        files=info,
        on_boundary=int(total["on_boundary"]),
        set_aside=int(total["rows_set_aside"]),
        duplicates=int(total["duplicates_same_file"] + total["duplicates_earlier_file"]),
    )
