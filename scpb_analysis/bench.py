"""Benchmarks on the real public data, each against the obvious code in the same run.

:func:`run_benchmarks` times, in one process, the analyst's baseline
(:func:`scpb_analysis.geo.points.baseline_ward_month_counts`: per-file ``read_csv``, ``concat``,
``duplicated()`` Crime IDs dropped, ``sjoin(within)``, ``groupby``) against the fast path
(:func:`scpb_analysis.geo.points.ward_month_counts`) on the 36 monthly Met burglary files and on
them replicated 10 times (and 100 times unless ``quick``), checks every path gives identical
counts and finds the same repeated Crime IDs (and raises if not), measures peak memory in
fresh subprocesses, times the out-of-core (:mod:`scpb_analysis.geo.archive`) and Dask
(:mod:`scpb_analysis.geo.distributed`) paths, and the MPS borough loader over every vintage. With
``national`` it also writes a 60-million-row Parquet archive derived from the real files and
counts it out of core. See ``bench/README.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["POLICEUK_FILES", "import_seconds", "knox_benchmark", "pack_build_seconds",
           "real_pack_seconds", "run_benchmarks", "write_replicated", "write_replicated_archive"]

#: The police.uk benchmark input, relative to the data folder.
POLICEUK_FILES = Path("policeuk") / "met-burglary-2021-2023"
#: Rows in the national-scale archive (about 368 copies of the 36 Met files).
NATIONAL_ROWS = 60_000_000


def _default_data_dir() -> Path:
    given = os.environ.get("SCPB_SHARED_DATA")
    return Path(given) if given else Path(__file__).resolve().parents[2] / "shared" / "data"


def _best(call: Callable[[], object], runs: int,
          before: Callable[[], object] | None = None) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def _interleaved(rounds: int, paths: dict[str, tuple[Callable[[], object], int,
                                                      Callable[[], object] | None]]
                 ) -> dict[str, tuple[float, object]]:
    """Each path's best time (and last result) over ``rounds`` rounds that run every path.

    ``paths`` maps a name to (call, runs per round, what to do before each run).
    """
    best: dict[str, tuple[float, object]] = {}
    for _ in range(rounds):
        for name, (call, runs, before) in paths.items():
            seconds, result = _best(call, runs, before)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, result)
            else:
                best[name] = (best[name][0], result)
    return best


def _check_same(expected, found, what: str) -> None:
    try:
        pd.testing.assert_frame_equal(expected.counts, found.counts)
    except AssertionError as exc:
        raise AssertionError(f"{what}: the counts differ from the baseline's: {exc}") from None
    for name in ("rows_read", "duplicates", "no_location", "outside"):
        if getattr(expected, name) != getattr(found, name):
            raise AssertionError(f"{what}: {name} is {getattr(found, name)}, "
                                 f"{getattr(expected, name)} on the baseline")


_PEAK_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from scpb_analysis.geo.archive import archive_ward_month_counts
from scpb_analysis.geo.points import (WardIndex, baseline_ward_month_counts, ward_month_counts)
from scpb_analysis.sources.boundaries import load_wards

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
    return None

mode, data_dir, source, warm, reference = sys.argv[1:6]
wards = load_wards(data_dir)
index = WardIndex.cached(wards)
runs = {"fast": lambda s: ward_month_counts(s, wards),
        "baseline": lambda s: baseline_ward_month_counts(s, wards),
        "archive": lambda s: archive_ward_month_counts(s, wards)}
run = runs[mode]
run(warm)  # imports, pyarrow's pools, the transformer
expected = runs[reference](source) if reference != "-" else None
try:  # Linux: reset the peak-RSS mark (VmHWM) to the current RSS
    Path("/proc/self/clear_refs").write_text("5")
    method = "VmHWM"
    before = status("VmRSS")
except OSError:
    method = "ru_maxrss"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        before //= 1024
start = time.perf_counter()
result = run(source)
seconds = time.perf_counter() - start
if method == "VmHWM":
    after = status("VmHWM")
else:
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        after //= 1024
same = None
if expected is not None:
    same = bool(expected.counts.equals(result.counts)) and all(
        getattr(expected, k) == getattr(result, k)
        for k in ("rows_read", "duplicates", "no_location", "outside"))
print(json.dumps({"before_kb": before, "after_kb": after, "method": method,
                  "seconds": seconds, "rows": result.rows_read, "identical": same}))
"""


def _peak_memory(data_dir: Path, source: Path, warm: Path, mode: str = "fast",
                 reference: str | None = None) -> dict:
    """Peak resident memory of one run above its starting point (MB), in a fresh interpreter.

    The child loads the wards, builds the index and warms up on ``warm`` (one small file),
    then (Linux) resets the kernel's peak-RSS mark with ``/proc/self/clear_refs`` and reports
    ``VmHWM`` after the run minus ``VmRSS`` before it: the extra memory the run needed at its
    peak, native memory (pyarrow, numpy, GEOS) included, which tracemalloc would miss.
    Elsewhere it falls back to the growth of ``ru_maxrss``. ``mode`` is ``fast``,
    ``baseline`` or ``archive``; with ``reference`` (another mode) the child first runs that
    on the same input and reports whether the two results are identical. A child that dies
    (out of memory, say) is reported with its exit status, not raised.
    """
    out = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, mode, str(data_dir),
                          str(source), str(warm), reference or "-"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": f"the {mode} run exited with status {out.returncode} "
                f"({'killed: out of memory?' if out.returncode < 0 else out.stderr[-300:]})"}
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return {"peak_mb": round((found["after_kb"] - found["before_kb"]) / 1024, 1),
            "rss_mb": round(found["after_kb"] / 1024, 1), "peak_method": found["method"],
            "subprocess_s": round(found["seconds"], 3), "identical": found["identical"]}


def _in_process_peak(call: Callable[[], object]) -> tuple[float, object, float | None]:
    """Seconds, result and peak-RSS growth (MB) of one call in this process (Linux only).

    For the baseline at scale, whose peak (gigabytes) dwarfs what this process holds
    already; None where the kernel's peak mark cannot be reset.
    """
    def status(key: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise OSError(key)

    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = status("VmRSS")
    except OSError:
        before = None
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    peak = round((status("VmHWM") - before) / 1024, 1) if before is not None else None
    return seconds, result, peak


def _jittered(values: np.ndarray, factor: int, rng, jitter_deg: float) -> np.ndarray:
    n = len(values)
    copies = [values] + [np.round(values + rng.normal(0, jitter_deg, n), 6)
                         for _ in range(factor - 1)]
    return np.concatenate(copies)


def _copy_ids(ids, copy: int, copies: int):
    """The Crime IDs of copy ``copy`` (of ``copies``) of a file: ``ID-copy``, the copy number
    zero-padded so every ID keeps one length, so copies are different crimes; blank (or
    null) IDs stay blank, and IDs repeated within the file stay repeated within each copy."""
    import pyarrow as pa
    import pyarrow.compute as pc

    suffix = f"-{copy:0{len(str(copies - 1))}d}"
    suffixed = pc.binary_join_element_wise(ids, pa.scalar(suffix, ids.type), "")
    return pc.if_else(pc.equal(ids, ""), ids, suffixed)


def write_replicated(files: list[Path], folder: Path, factor: int, *, seed: int = 0,
                     jitter_deg: float = 1e-5) -> list[Path]:
    """Write each police.uk file with its rows repeated ``factor`` times, coordinates jittered.

    Every copy after the first has each located row's longitude and latitude moved by a
    seeded normal offset (``jitter_deg`` degrees, about a metre) and rounded to police.uk's six
    decimals, so copies are not the same points; rows without a location stay without one.
    Copy ``k`` has each Crime ID suffixed ``-k`` (``-0`` to ``-9`` at 10x, ``-00`` to ``-99``
    at 100x; blank IDs stay blank), so copies are different crimes, not repeats, and
    police.uk's own repeats within a file stay repeats in each copy. The other columns are
    copied as they are. Needs pyarrow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in files:
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={"Longitude": pa.float64(), "Latitude": pa.float64()},
            strings_can_be_null=False))
        lon = _jittered(table["Longitude"].to_numpy(), factor, rng, jitter_deg)
        lat = _jittered(table["Latitude"].to_numpy(), factor, rng, jitter_deg)
        big = pa.concat_tables([table] * factor)
        ids = table["Crime ID"]
        big = big.set_column(big.schema.get_field_index("Crime ID"), "Crime ID",
                             pa.chunked_array([chunk for k in range(factor)
                                               for chunk in _copy_ids(ids, k, factor).chunks],
                                              ids.type))

        def column(joined: np.ndarray) -> pa.Array:
            return pc.cast(pa.array(joined, mask=np.isnan(joined)), pa.string())

        big = big.set_column(big.schema.get_field_index("Longitude"), "Longitude", column(lon))
        big = big.set_column(big.schema.get_field_index("Latitude"), "Latitude", column(lat))
        out = folder / path.name
        pacsv.write_csv(big, out, write_options=pacsv.WriteOptions(quoting_style="needed"))
        written.append(out)
    return written


def write_replicated_archive(files: list[Path], folder: Path, rows: int, *, seed: int = 0,
                             jitter_deg: float = 1e-5) -> int:
    """Write a Parquet archive of about ``rows`` rows derived from the real police.uk files.

    Each file becomes one Parquet file (:data:`scpb_analysis.geo.archive.ARCHIVE_COLUMNS`) with
    its rows repeated ``ceil(rows / total)`` times, copies after the first jittered and their
    Crime IDs suffixed as in :func:`write_replicated`. Returns the rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from scpb_analysis.geo.archive import blank_as_null
    from scpb_analysis.geo.points import read_one

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    read = [read_one(Path(p)) for p in files]
    factor = -(-rows // sum(r.rows_read for r in read))
    written = 0
    for source in read:
        month = pd.PeriodIndex.from_ordinals(source.month, freq="M").strftime("%Y-%m")
        lon = _jittered(source.lon, factor, rng, jitter_deg)
        lat = _jittered(source.lat, factor, rng, jitter_deg)
        missing = np.isnan(lon)
        table = pa.table({
            "month": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(pd.factorize(month)[0], factor), pa.int32()),
                pa.array(pd.factorize(month)[1].tolist(), pa.string())),
            "crime_type": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(source.type_code, factor), pa.int32()),
                pa.array(list(source.type_labels), pa.string())),
            "longitude": pa.array(lon, mask=missing),
            "latitude": pa.array(lat, mask=missing),
            "crime_id": pa.chunked_array([_copy_ids(blank_as_null(source.ids), k, factor)
                                          for k in range(factor)], pa.string()),
        })
        pq.write_table(table, folder / (source.path.stem + ".parquet"),
                       row_group_size=1 << 20, compression="zstd")
        written += len(table)
    return written


def _dask_seconds(files: list[Path], wards, expected) -> dict:
    from scpb_analysis.geo.distributed import dask_client, dask_ward_month_counts

    start = time.perf_counter()
    with dask_client(n_workers=2, threads_per_worker=1, dashboard_address=":0") as client:
        up = time.perf_counter() - start
        seconds, result = _best(lambda: dask_ward_month_counts(files, wards, client=client), 2)
    _check_same(expected, result, "Dask LocalCluster")
    return {"dask_cluster_start_s": round(up, 2), "dask_s": round(seconds, 3),
            "dask_workers": 2}


def run_benchmarks(quick: bool = True, data_dir: str | Path | None = None, *,
                   national: bool = False, dask: bool = True) -> dict:
    """Time the police.uk pipelines (and the MPS loader) against the baseline on real data.

    Parameters
    ----------
    quick : bool
        Fewer runs and inputs of 1x and 10x the 36 files (about a minute on two cores);
        otherwise more runs and 100x too (a 4 GB temporary CSV folder; the baseline at 100x
        needs about 10 GB of memory).
    data_dir : path, optional
        The shared data folder; defaults to ``$SCPB_SHARED_DATA`` or ``../shared/data`` beside
        the repository.
    national : bool
        Also write a :data:`NATIONAL_ROWS`-row Parquet archive derived from the real files
        (about 1 GB, temporary) and count it out of core, with its peak memory.
    dask : bool
        Also run the Dask path on a two-worker LocalCluster.

    Returns
    -------
    dict
        Keys described in ``bench/README.md``; among them ``points_rows``, ``points_ratio``
        (baseline s / fast s), ``points_rows_per_s``, ``points_peak_mb``, ``mps_load_s``,
        ``scaled`` and ``pack_build_s`` (None here: ``scpb bench`` fills it).

    Raises
    ------
    AssertionError
        If any path's counts or row accounting differ from the baseline's.
    """
    from scpb_analysis.geo import ward_index
    from scpb_analysis.geo.archive import archive_ward_month_counts, write_points_archive
    from scpb_analysis.geo.points import WardIndex, baseline_ward_month_counts, ward_month_counts
    from scpb_analysis.sources.boundaries import load_wards
    from scpb_analysis.sources.mps import read_mps_crime

    data_dir = Path(data_dir) if data_dir is not None else _default_data_dir()
    folder = data_dir / POLICEUK_FILES
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no police.uk files in {folder}")
    rounds, per_round = (4, 3) if quick else (8, 3)
    result: dict = {"quick": quick, "rounds": rounds, "runs": rounds * per_round,
                    "cpus": os.cpu_count(), "pack_build_s": None}

    result["wards_load_s"], wards = _best(lambda: load_wards(data_dir), 1)
    build_s, index = _best(lambda: WardIndex(wards), 3)
    # Rounds interleave the paths, so a slow spell on a shared machine slows them all alike;
    # every path runs as often, and its time is its best run. The first call in a session
    # builds the ward index (the cache is emptied before it); later calls with the same
    # wards reuse it (WardIndex.cached), as geopandas reuses wards.sindex for sjoin.
    best = _interleaved(rounds, {
        "baseline": (lambda: baseline_ward_month_counts(files, wards), per_round, None),
        "first": (lambda: ward_month_counts(files, wards), per_round, ward_index._CACHE.clear),
        "fast": (lambda: ward_month_counts(files, wards), per_round, None),
        "prebuilt": (lambda: ward_month_counts(files, index), per_round, None),
    })
    (baseline_s, baseline), (first_s, first) = best["baseline"], best["first"]
    (fast_s, fast), (prebuilt_s, prebuilt) = best["fast"], best["prebuilt"]
    _check_same(baseline, first, "36 Met burglary files, first call")
    _check_same(baseline, fast, "36 Met burglary files")
    _check_same(baseline, prebuilt, "36 Met burglary files, prebuilt ward index")
    rows = fast.rows_read
    result.update({
        "points_files": len(files),
        "points_rows": rows,
        "points_duplicates": fast.duplicates,
        "points_located": rows - fast.duplicates - fast.no_location,
        "points_outside": fast.outside,
        "baseline_s": round(baseline_s, 4),
        "baseline_rows_per_s": round(rows / baseline_s),
        "points_s": round(fast_s, 4),
        "points_ratio": round(baseline_s / fast_s, 2),
        "points_rows_per_s": round(rows / fast_s),
        "points_first_call_s": round(first_s, 4),
        "points_ratio_first_call": round(baseline_s / first_s, 2),
        "points_prebuilt_index_s": round(prebuilt_s, 4),
        "points_ratio_prebuilt_index": round(baseline_s / prebuilt_s, 2),
        "ward_index_build_s": round(build_s, 4),
        "ward_index_cells": list(index._grid.value.shape) if index._grid else None,
        "wards_load_s": round(result["wards_load_s"], 4),
    })
    peak = _peak_memory(data_dir, folder, files[0])
    result.update({"points_peak_mb": peak["peak_mb"], "points_rss_mb": peak["rss_mb"],
                   "points_peak_method": peak["peak_method"] + " growth over the RSS before "
                   "the run, in a fresh subprocess with wards loaded (see bench/README.md)"})

    with tempfile.TemporaryDirectory(prefix="scpb-bench-") as tmp:
        archive_dir = Path(tmp) / "archive"
        result["archive_write_s"] = round(
            _best(lambda: write_points_archive(files, archive_dir), 1)[0], 3)
        csv_s, csv = _best(lambda: archive_ward_month_counts(files, wards), 3 if quick else 5)
        _check_same(baseline, csv, "out of core, CSV")
        parquet_s, parquet = _best(lambda: archive_ward_month_counts(archive_dir, wards),
                                   3 if quick else 5)
        _check_same(baseline, parquet, "out of core, Parquet archive")
        result.update({"archive_csv_s": round(csv_s, 4), "archive_parquet_s": round(parquet_s, 4),
                       "archive_parquet_mb": round(sum(p.stat().st_size for p in
                                                       archive_dir.glob("*.parquet")) / 2**20, 1)})
    if dask:
        result.update(_dask_seconds(files, wards, baseline))

    mps = data_dir / "mps" / "borough"
    result["mps_load_s"] = round(_best(lambda: read_mps_crime(mps), 1)[0], 3) \
        if mps.exists() else None

    result["scaled"] = {}
    with tempfile.TemporaryDirectory(prefix="scpb-bench-") as tmp:
        for factor in ((10,) if quick else (10, 100)):
            result["scaled"][factor] = _scaled(files, data_dir, Path(tmp) / f"x{factor}",
                                               factor, wards, index)
    if national:
        result["national"] = _national(files, data_dir, wards, index)
    return result


def _scaled(files: list[Path], data_dir: Path, folder: Path, factor: int, wards, index) -> dict:
    """The fast path (and the baseline, checked identical) on the files replicated."""
    from scpb_analysis.geo.archive import archive_ward_month_counts
    from scpb_analysis.geo.points import baseline_ward_month_counts, ward_month_counts

    start = time.perf_counter()
    write_replicated(files, folder, factor)
    entry: dict = {"write_s": round(time.perf_counter() - start, 2)}
    runs = 3 if factor <= 10 else 1
    seconds, fast = _best(lambda: ward_month_counts(folder, index), runs)
    entry.update({"rows": fast.rows_read, "duplicates": fast.duplicates,
                  "points_s": round(seconds, 3),
                  "points_rows_per_s": round(fast.rows_read / seconds), "runs": runs,
                  "ward_index": "prebuilt"})
    if factor <= 10:
        base_s, base, base_peak = _in_process_peak(
            lambda: baseline_ward_month_counts(folder, wards))
        _check_same(base, fast, f"{factor}x replicated")
        del base
    else:  # gigabytes: in a child process, which may run out of memory without harm here
        child = _peak_memory(data_dir, folder, files[0], mode="baseline", reference="fast")
        if "error" in child:
            entry["baseline_error"] = child["error"]
            base_s = base_peak = None
        elif not child["identical"]:
            raise AssertionError(f"{factor}x replicated: the counts differ from the baseline's")
        else:
            base_s, base_peak = child["subprocess_s"], child["peak_mb"]
    if base_s is not None:
        entry.update({"baseline_s": round(base_s, 3), "ratio": round(base_s / seconds, 2),
                      "baseline_rows_per_s": round(fast.rows_read / base_s),
                      "baseline_peak_mb": base_peak})
    peak = _peak_memory(data_dir, folder, files[0])
    entry.update({"peak_mb": peak["peak_mb"], "rss_mb": peak["rss_mb"]})
    if factor >= 100:
        archive_s, archive = _best(lambda: archive_ward_month_counts(folder, index), 1)
        _check_same(fast, archive, f"{factor}x replicated, out of core")
        archive_peak = _peak_memory(data_dir, folder, files[0], mode="archive")
        entry.update({"archive_csv_s": round(archive_s, 2),
                      "archive_csv_peak_mb": archive_peak["peak_mb"]})
    for path in folder.glob("*.csv"):
        path.unlink()
    return entry


def _national(files: list[Path], data_dir: Path, wards, index) -> dict:
    """A national-scale Parquet archive counted out of core, with its peak memory."""
    from scpb_analysis.geo.archive import archive_ward_month_counts

    with tempfile.TemporaryDirectory(prefix="scpb-bench-national-") as tmp:
        folder = Path(tmp) / "archive"
        start = time.perf_counter()
        written = write_replicated_archive(files, folder, NATIONAL_ROWS)
        entry: dict = {"rows": written, "write_s": round(time.perf_counter() - start, 1),
                       "parquet_mb": round(sum(p.stat().st_size for p in
                                               folder.glob("*.parquet")) / 2**20, 1)}
        seconds, counted = _best(lambda: archive_ward_month_counts(folder, index), 1)
        if counted.rows_read != written:
            raise AssertionError(f"national archive: read {counted.rows_read} of {written} rows")
        placed = int(counted.counts["count"].sum())
        if (placed + counted.outside + counted.no_location + counted.set_aside
                + counted.duplicates != written):
            raise AssertionError("national archive: rows not all accounted for")
        peak = _peak_memory(data_dir, folder, files[0], mode="archive")
        entry.update({"count_s": round(seconds, 2), "rows_per_s": round(written / seconds),
                      "in_wards": placed, "duplicates": counted.duplicates,
                      "outside": counted.outside,
                      "no_location": counted.no_location, "peak_mb": peak["peak_mb"],
                      "rss_mb": peak["rss_mb"], "subprocess_s": peak["subprocess_s"]})
    return entry


def pack_build_seconds(jobs: int = 2) -> float:
    """Wall time of the whole quarterly pack on freshly written demo data (benchmark c).

    Writes the demo data and builds every notebook with ``jobs`` at a time into a temporary
    folder, as the README's first command does.

    Raises
    ------
    RuntimeError
        If a notebook failed (a failed build is not a timing).
    """
    from scpb_analysis.demo import write_demo_data
    from scpb_analysis.demo.partnership import write_partnership_demo
    from scpb_analysis.pack.runner import build_pack

    with tempfile.TemporaryDirectory(prefix="scpb-bench-pack-") as tmp:
        start = time.perf_counter()
        write_demo_data(Path(tmp) / "demo")
        write_partnership_demo(Path(tmp) / "demo")
        build = build_pack(borough="Barnet", period_end="2023-05", data_dir=Path(tmp) / "demo",
                           out=Path(tmp) / "out", jobs=jobs, progress=False)
        seconds = time.perf_counter() - start
    if not build.ok:
        raise RuntimeError("pack build failed:\n" + build.summary())
    return seconds


def real_pack_seconds(data_dir: str | Path | None = None, *, borough: str = "Barnet",
                      period_end: str = "2023-05", jobs: int = 2) -> dict:
    """Wall time of the real-data pack: the old path and the shared cache, in one run.

    Builds the pack three times on the real data: with no shared cache, every notebook reading
    and harmonising its own sources as before :class:`~scpb_analysis.pack.data.PackData` (the
    baseline); with an empty cache (the first build of a quarter); and again with that cache
    warm. The three packs' tables must be byte-identical, or this raises.

    Returns
    -------
    dict
        ``no_cache_s``, ``cold_cache_s``, ``warm_cache_s``, ``cold_ratio`` and
        ``warm_ratio`` (the baseline's time over each), ``tables`` (files compared).
    """
    from scpb_analysis.pack.runner import build_pack

    data = Path(data_dir) if data_dir else _default_data_dir()
    times: dict[str, float] = {}
    tables: dict[str, dict[str, bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="scpb-bench-real-") as tmp:
        cache = Path(tmp) / "cache"
        for name, cache_dir in (("no_cache", None), ("cold_cache", cache),
                                ("warm_cache", cache)):
            out = Path(tmp) / name
            start = time.perf_counter()
            build = build_pack(borough=borough, period_end=period_end, data_dir=data, out=out,
                               jobs=jobs, progress=False, cache_dir=cache_dir)
            times[name] = time.perf_counter() - start
            if not build.ok:
                raise RuntimeError(f"pack build ({name}) failed:\n" + build.summary())
            tables[name] = {p.name: p.read_bytes() for p in sorted((out / "tables").iterdir())}
    for name in ("cold_cache", "warm_cache"):
        if tables[name] != tables["no_cache"]:
            differ = sorted(k for k in tables[name].keys() | tables["no_cache"].keys()
                            if tables[name].get(k) != tables["no_cache"].get(k))
            raise RuntimeError(f"the {name} pack's tables differ from the baseline's: {differ}")
    return {"no_cache_s": round(times["no_cache"], 1),
            "cold_cache_s": round(times["cold_cache"], 1),
            "warm_cache_s": round(times["warm_cache"], 1),
            "cold_ratio": round(times["no_cache"] / times["cold_cache"], 2),
            "warm_ratio": round(times["no_cache"] / times["warm_cache"], 2),
            "tables": len(tables["no_cache"])}


def import_seconds(module: str = "scpb_analysis", runs: int = 3) -> dict:
    """Start-up cost of a notebook's first import, in fresh interpreters (best of ``runs``).

    Returns
    -------
    dict
        ``import_s`` for ``module``; ``heavy_loaded`` lists the heavy libraries (geopandas,
        esda, matplotlib, scipy, dask, pyarrow) the import pulled in.
    """
    probe = ("import sys, time; t = time.perf_counter(); import {m}; "
             "print(time.perf_counter() - t); "
             "print(','.join(n for n in ('geopandas', 'esda', 'matplotlib', 'scipy', 'dask', "
             "'pyarrow') if n in sys.modules))")
    best = None
    heavy = ""
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", probe.format(m=module)],
                              capture_output=True, text=True, check=True)
        seconds, heavy = done.stdout.splitlines()[0], (done.stdout.splitlines() + [""])[1]
        best = float(seconds) if best is None else min(best, float(seconds))
    return {"import_s": round(best, 4), "heavy_loaded": [h for h in heavy.split(",") if h]}


#: The Knox benchmark's bands: 200 m x 5 (Manhattan), 1 month x 3 (police.uk gives months).
KNOX_BANDS = {"distance_band": 200, "n_distance_bands": 5, "time_band": 1, "n_time_bands": 3,
              "metric": "manhattan", "time_unit": "months"}


def _knox_points(data_dir: Path, year: int) -> pd.DataFrame:
    """One year of Met burglary points with a location, in British National Grid metres."""
    from pyproj import Transformer

    from scpb_analysis.sources.policeuk import read_policeuk

    files = sorted((data_dir / POLICEUK_FILES).glob(f"{year}-*.csv"))
    if not files:
        raise FileNotFoundError(f"no {year} police.uk files in {data_dir / POLICEUK_FILES}")
    points = read_policeuk(files).points.dropna(subset=["longitude", "latitude"])
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        points["longitude"].to_numpy(), points["latitude"].to_numpy())
    return pd.DataFrame({"x": x, "y": y, "time": points["month"].array.asi8})


def _naive_knox(xs: list[float], ys: list[float], ts: list[int], runs: int,
                seed: int) -> tuple[list[list[int]], list[list[float]]]:
    """The Knox test the obvious way: every pair, every run, in pure Python.

    Returns the observed table (distance band x time band, as :func:`knox_test` lays it out)
    and the mean of ``runs`` permuted tables.
    """
    import random

    width, n_dist = KNOX_BANDS["distance_band"], KNOX_BANDS["n_distance_bands"]
    t_width, n_time = KNOX_BANDS["time_band"], KNOX_BANDS["n_time_bands"]

    def table(times: list[int]) -> list[list[int]]:
        counts = [[0] * (n_time + 1) for _ in range(n_dist + 2)]
        n = len(xs)
        for a in range(n):
            for b in range(a + 1, n):
                d = abs(xs[a] - xs[b]) + abs(ys[a] - ys[b])
                if d == 0:
                    row = 0
                else:
                    row = n_dist + 1
                    for k in range(1, n_dist + 1):
                        if d <= k * width:
                            row = k
                            break
                gap = abs(times[a] - times[b])
                col = n_time
                for k in range(n_time):
                    if gap <= (k + 1) * t_width:
                        col = k
                        break
                counts[row][col] += 1
        return counts

    observed = table(ts)
    rng = random.Random(seed)
    total = [[0.0] * (n_time + 1) for _ in range(n_dist + 2)]
    for _ in range(runs):
        shuffled = ts[:]
        rng.shuffle(shuffled)
        for r, line in enumerate(table(shuffled)):
            for c, value in enumerate(line):
                total[r][c] += value
    return observed, [[v / runs for v in line] for line in total]


def knox_benchmark(data_dir: str | Path | None = None, *, sample: int = 1500,
                   permutations: int = 99, naive_permutations: int = 4, year: int = 2022,
                   seed: int = 20240101) -> dict:
    """Time the vectorised Knox test on a year of Met burglary against a naive pairwise loop.

    Reads one year of the Met burglary points (:data:`POLICEUK_FILES`, about 51,000 with a
    location in 2022), projects them to British National Grid and times
    :func:`scpb_analysis.stats.near_repeat.knox_test` (bands :data:`KNOX_BANDS`, month as the
    time) with ``permutations`` runs on all of them. On a random ``sample`` of them it times
    the same test and a naive pure-Python loop over every pair for the observed table and for
    each run. The naive loop is run for ``naive_permutations`` runs only (a run takes about a
    second per 1,500 points) and its time scaled to ``permutations`` runs: observed table plus
    ``permutations`` tables, each costing what one of the measured tables cost.

    Returns
    -------
    dict
        ``points``, ``pairs_within`` (pairs inside the largest distance band), ``permutations``,
        ``full_s`` (vectorised, all points), ``sample``, ``sample_pairs``, ``vectorised_s``
        (vectorised, the sample), ``naive_permutations``, ``naive_measured_s``,
        ``naive_scaled_s`` (to ``permutations`` runs), ``ratio`` (naive_scaled_s /
        vectorised_s) and ``bands``.

    Raises
    ------
    AssertionError
        If the naive loop's observed table differs from the vectorised one on the sample.
    FileNotFoundError
        If the year's police.uk files are not in the data folder.
    """
    from scpb_analysis.stats.near_repeat import knox_test

    data_dir = Path(data_dir) if data_dir else _default_data_dir()
    points = _knox_points(data_dir, year)
    full_s, full = _best(lambda: knox_test(points, permutations=permutations, seed=seed,
                                           **KNOX_BANDS), 1)
    rng = np.random.default_rng(seed)
    chosen = points.iloc[np.sort(rng.choice(len(points), size=min(sample, len(points)),
                                            replace=False))].reset_index(drop=True)
    vector_s, vector = _best(lambda: knox_test(chosen, permutations=permutations, seed=seed,
                                               **KNOX_BANDS), 3)
    start = time.perf_counter()
    observed, _ = _naive_knox(chosen["x"].tolist(), chosen["y"].tolist(),
                              chosen["time"].tolist(), naive_permutations, seed)
    naive_s = time.perf_counter() - start
    vector_observed = vector.table["observed"].to_numpy().reshape(len(observed), -1)
    if vector_observed.tolist() != observed:
        raise AssertionError(f"naive and vectorised Knox tables differ on the {len(chosen)}-point "
                             f"sample:\n{observed}\n{vector_observed.tolist()}")
    scaled = naive_s / (1 + naive_permutations) * (1 + permutations)
    return {"points": len(points), "pairs_within": int(full.summary["pairs_within"].item()),
            "permutations": permutations, "full_s": round(full_s, 3), "sample": len(chosen),
            "sample_pairs": len(chosen) * (len(chosen) - 1) // 2,
            "vectorised_s": round(vector_s, 4), "naive_permutations": naive_permutations,
            "naive_measured_s": round(naive_s, 2), "naive_scaled_s": round(scaled, 1),
            "ratio": round(scaled / vector_s, 1), "bands": dict(KNOX_BANDS)}


def main() -> None:  # pragma: no cover - exercised by hand
    quick = "--full" not in sys.argv[1:]
    print(json.dumps(run_benchmarks(quick=quick, national="--national" in sys.argv[1:]),
                     indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
