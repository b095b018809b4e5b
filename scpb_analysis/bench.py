"""Benchmarks on the real public data: police.uk points to ward counts, MPS loading.

:func:`run_benchmarks` times, in one process, the analyst's baseline
(:func:`scpb_analysis.points.baseline_ward_month_counts`) against the fast path
(:func:`scpb_analysis.points.ward_month_counts`) on the 36 monthly Met burglary files, checks
they give identical results (and raises if not), measures the fast path's peak memory in a
fresh subprocess, times the MPS borough loader, and runs the fast path on the same files
replicated 10 times (and 100 times unless ``quick``). See ``bench/README.md``.
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

__all__ = ["POLICEUK_FILES", "import_seconds", "pack_build_seconds", "run_benchmarks",
           "write_replicated"]

#: The police.uk benchmark input, relative to the data folder.
POLICEUK_FILES = Path("policeuk") / "met-burglary-2021-2023"
_MB = 1024 * 1024


def _default_data_dir() -> Path:
    given = os.environ.get("SCPB_SHARED_DATA")
    return Path(given) if given else Path(__file__).resolve().parents[2] / "shared" / "data"


def _best(call: Callable[[], object], runs: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def _check_same(baseline, fast, what: str) -> None:
    try:
        pd.testing.assert_frame_equal(baseline.counts, fast.counts)
    except AssertionError as exc:
        raise AssertionError(f"{what}: the fast counts differ from the baseline's: {exc}") from None
    for name in ("rows_read", "no_location", "outside"):
        if getattr(baseline, name) != getattr(fast, name):
            raise AssertionError(f"{what}: {name} is {getattr(fast, name)} on the fast path, "
                                 f"{getattr(baseline, name)} on the baseline")


_PEAK_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from scpb_analysis.points import ward_month_counts
from scpb_analysis.sources.boundaries import load_wards

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
    return None

wards = load_wards(sys.argv[1])
ward_month_counts(sys.argv[3], wards)  # warm: imports, pyarrow's pools, the transformer
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
result = ward_month_counts(sys.argv[2], wards)
seconds = time.perf_counter() - start
if method == "VmHWM":
    after = status("VmHWM")
else:
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        after //= 1024
print(json.dumps({"before_kb": before, "after_kb": after, "method": method,
                  "seconds": seconds, "rows": result.rows_read}))
"""


def _peak_memory(data_dir: Path, folder: Path, warm: Path) -> dict:
    """Fast path's peak resident memory above its starting point (MB), in a fresh interpreter.

    The child loads the wards and warms up on one small file, then (Linux) resets the kernel's
    peak-RSS mark with ``/proc/self/clear_refs`` and reports ``VmHWM`` after the run minus
    ``VmRSS`` before it: the extra memory the run needed at its peak, native memory (pyarrow,
    numpy, GEOS) included, which tracemalloc would miss. Elsewhere it falls back to the growth
    of ``ru_maxrss``, which is 0 when loading the wards peaked higher than the run.
    """
    out = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(data_dir), str(folder),
                          str(warm)], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return {"peak_mb": round((found["after_kb"] - found["before_kb"]) / 1024, 1),
            "rss_mb": round(found["after_kb"] / 1024, 1), "peak_method": found["method"]}


def write_replicated(files: list[Path], folder: Path, factor: int, *, seed: int = 0,
                     jitter_deg: float = 1e-5) -> list[Path]:
    """Write each file with its rows repeated ``factor`` times, coordinates jittered.

    Every copy after the first has each located row's longitude and latitude moved by a
    seeded normal offset (``jitter_deg`` degrees, about a metre) and rounded to police.uk's six
    decimals, so copies are not the same points; rows without a location stay without one.
    The other columns are copied as they are. Needs pyarrow.
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
        lon = table["Longitude"].to_numpy()
        lat = table["Latitude"].to_numpy()
        n = len(table)
        lons, lats = [lon], [lat]
        for _ in range(factor - 1):
            lons.append(np.round(lon + rng.normal(0, jitter_deg, n), 6))
            lats.append(np.round(lat + rng.normal(0, jitter_deg, n), 6))
        big = pa.concat_tables([table] * factor)

        def column(values: list[np.ndarray]) -> pa.Array:
            joined = np.concatenate(values)
            return pc.cast(pa.array(joined, mask=np.isnan(joined)), pa.string())

        big = big.set_column(big.schema.get_field_index("Longitude"), "Longitude", column(lons))
        big = big.set_column(big.schema.get_field_index("Latitude"), "Latitude", column(lats))
        out = folder / path.name
        pacsv.write_csv(big, out, write_options=pacsv.WriteOptions(quoting_style="needed"))
        written.append(out)
    return written


def run_benchmarks(quick: bool = True, data_dir: str | Path | None = None) -> dict:
    """Time baseline vs fast police.uk ward counts (and the MPS loader) on the real data.

    Parameters
    ----------
    quick : bool
        Fewer runs and only the 10x replicated input (well under two minutes on two cores);
        otherwise more runs, the 10x baseline too (checked identical), and 100x.
    data_dir : path, optional
        The shared data folder; defaults to ``$SCPB_SHARED_DATA`` or ``../shared/data`` beside
        the repository.

    Returns
    -------
    dict
        ``points_rows``, ``points_files``, ``baseline_s``, ``points_s`` (best of the runs),
        ``points_ratio`` (baseline s / fast s, the fast path given the wards GeoDataFrame as
        the baseline is), ``points_rows_per_s``, ``baseline_rows_per_s``,
        ``points_prebuilt_index_s`` and ``points_ratio_prebuilt_index`` (a
        :class:`~scpb_analysis.points.WardIndex` built beforehand), ``ward_index_build_s``,
        ``wards_load_s``, ``points_peak_mb`` (peak-RSS growth of one fast run in a subprocess,
        see ``points_peak_method``), ``mps_load_s``, ``scaled`` (per factor: ``rows``,
        ``points_s``, ``points_rows_per_s``, ``peak_mb``, and at 10x unless quick
        ``baseline_s`` and ``ratio``), ``pack_build_s`` (None: not measured here), ``runs``,
        ``quick``, ``cpus``.

    Raises
    ------
    AssertionError
        If the fast path's counts or row accounting differ from the baseline's.
    """
    from scpb_analysis.points import WardIndex, baseline_ward_month_counts, ward_month_counts
    from scpb_analysis.sources.boundaries import load_wards
    from scpb_analysis.sources.mps import read_mps_crime

    data_dir = Path(data_dir) if data_dir is not None else _default_data_dir()
    folder = data_dir / POLICEUK_FILES
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no police.uk files in {folder}")
    runs = 3 if quick else 7
    baseline_runs = 2 if quick else 5
    result: dict = {"quick": quick, "runs": runs, "baseline_runs": baseline_runs,
                    "cpus": os.cpu_count(), "pack_build_s": None}

    result["wards_load_s"], wards = _best(lambda: load_wards(data_dir), 1)
    baseline_s, baseline = _best(lambda: baseline_ward_month_counts(files, wards),
                                 baseline_runs)
    fast_s, fast = _best(lambda: ward_month_counts(files, wards), runs)
    _check_same(baseline, fast, "36 Met burglary files")
    result["ward_index_build_s"], index = _best(lambda: WardIndex(wards), runs)
    prebuilt_s, prebuilt = _best(lambda: ward_month_counts(files, index), runs)
    _check_same(baseline, prebuilt, "36 Met burglary files, prebuilt ward index")
    rows = fast.rows_read
    result.update({
        "points_files": len(files),
        "points_rows": rows,
        "points_located": rows - fast.no_location,
        "points_outside": fast.outside,
        "baseline_s": round(baseline_s, 4),
        "points_s": round(fast_s, 4),
        "points_ratio": round(baseline_s / fast_s, 2),
        "points_rows_per_s": round(rows / fast_s),
        "baseline_rows_per_s": round(rows / baseline_s),
        "points_prebuilt_index_s": round(prebuilt_s, 4),
        "points_ratio_prebuilt_index": round(baseline_s / prebuilt_s, 2),
        "points_prebuilt_index_rows_per_s": round(rows / prebuilt_s),
    })
    result["ward_index_build_s"] = round(result["ward_index_build_s"], 4)
    result["wards_load_s"] = round(result["wards_load_s"], 4)
    peak = _peak_memory(data_dir, folder, files[0])
    result.update({"points_peak_mb": peak["peak_mb"], "points_rss_mb": peak["rss_mb"],
                   "points_peak_method": peak["peak_method"] + " growth over the RSS before "
                   "the run, in a fresh subprocess with wards loaded (see bench/README.md)"})

    mps = data_dir / "mps" / "borough"
    result["mps_load_s"] = round(_best(lambda: read_mps_crime(mps), 1)[0], 3) \
        if mps.exists() else None

    result["scaled"] = {}
    with tempfile.TemporaryDirectory(prefix="scpb-bench-") as tmp:
        for factor in ((10,) if quick else (10, 100)):
            start = time.perf_counter()
            scaled_dir = Path(tmp) / f"x{factor}"
            write_replicated(files, scaled_dir, factor)
            entry: dict = {"write_s": round(time.perf_counter() - start, 2)}
            scaled_runs = 2 if factor <= 10 else 1
            s, out = _best(lambda d=scaled_dir: ward_month_counts(d, index), scaled_runs)
            entry.update({"rows": out.rows_read, "points_s": round(s, 3),
                          "points_rows_per_s": round(out.rows_read / s),
                          "runs": scaled_runs, "ward_index": "prebuilt"})
            if factor == 10 and not quick:
                b, base = _best(lambda d=scaled_dir: baseline_ward_month_counts(d, wards), 1)
                _check_same(base, out, f"{factor}x replicated")
                entry.update({"baseline_s": round(b, 3), "ratio": round(b / s, 2),
                              "baseline_rows_per_s": round(out.rows_read / b)})
            entry.update(_peak_memory(data_dir, scaled_dir, files[0]))
            entry.pop("peak_method", None)
            result["scaled"][factor] = entry
            for path in scaled_dir.glob("*.csv"):
                path.unlink()
    return result


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
    from scpb_analysis.partnership.demo import write_partnership_demo
    from scpb_analysis.runner import build_pack

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


def import_seconds(module: str = "scpb_analysis", runs: int = 3) -> dict:
    """Start-up cost of a notebook's first import, in fresh interpreters (best of ``runs``).

    Returns
    -------
    dict
        ``import_s`` for ``module`` and ``python_s`` for an interpreter that imports
        nothing, so the difference is the package's own cost; ``heavy_loaded`` lists the
        heavy libraries (geopandas, esda, matplotlib, scipy) the import pulled in.
    """
    import subprocess

    probe = ("import sys, time; t = time.perf_counter(); import {m}; "
             "print(time.perf_counter() - t); "
             "print(','.join(n for n in ('geopandas', 'esda', 'matplotlib', 'scipy') "
             "if n in sys.modules))")
    best = None
    heavy = ""
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", probe.format(m=module)],
                              capture_output=True, text=True, check=True)
        seconds, heavy = done.stdout.splitlines()[0], (done.stdout.splitlines() + [""])[1]
        best = float(seconds) if best is None else min(best, float(seconds))
    return {"import_s": round(best, 4), "heavy_loaded": [h for h in heavy.split(",") if h]}


def main() -> None:  # pragma: no cover - exercised by hand
    quick = "--full" not in sys.argv[1:]
    print(json.dumps(run_benchmarks(quick=quick), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
