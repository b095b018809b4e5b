"""Report blocks: the files the pack is made of, each with its provenance beside it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from scpb_analysis import __version__
from scpb_analysis.comparison import SYNTHETIC_STATUS, compare_periods, comparison_text
from scpb_analysis.periods import month_label
from scpb_analysis.sources.mps import read_mps_crime, revision_summary

__all__ = ["build_crime_outputs", "ward_rates"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def build_crime_outputs(
    data: Sequence[str | Path],
    borough: str,
    output_dir: str | Path,
    *,
    end: str | None = None,
) -> list[Path]:
    """Write the recorded-crime part of the pack for one borough.

    Outputs, all deterministic (sorted, no timestamps): ``comparison.csv`` and
    ``comparison.txt`` (12 and 3 months to ``end`` against the year before), the load reports
    ``load_files.csv``, ``load_accounting.csv``, ``revisions_summary.csv``,
    ``series_breaks.csv`` and ``unmapped_categories.csv``, and ``provenance.json`` naming every
    input file with its SHA-256, vintage and coding. Output made from synthetic data says so in
    every file.

    Parameters
    ----------
    data : sequence of path
        MPS CSV files and/or folders.
    borough : str
        Canonical borough name.
    output_dir : path
        Created if needed.
    end : str, optional
        Last month (``YYYY-MM``); default the latest month the data hold for the borough.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.demo import write_demo_data
    >>> tmp = Path(tempfile.mkdtemp())
    >>> paths = build_crime_outputs([write_demo_data(tmp / "demo")], "Barnet", tmp / "out")
    >>> sorted(p.name for p in paths)[:2]
    ['README.txt', 'comparison.csv']
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    load = read_mps_crime(data)
    boroughs = load.table[load.table["area_type"] == "borough"]
    if end is None:
        mine = boroughs.loc[boroughs["borough"] == borough, "month"]
        end = str(mine.max()) if len(mine) else str(boroughs["month"].max())
    comparison = compare_periods(load.table, borough, end, breaks=load.breaks)
    status = SYNTHETIC_STATUS if load.synthetic else "MPS published recorded crime"

    written = [
        _write_csv(comparison, out / "comparison.csv"),
        _write_csv(load.files.drop(columns=["path"]), out / "load_files.csv"),
        _write_csv(load.accounting, out / "load_accounting.csv"),
        _write_csv(revision_summary(load.revisions), out / "revisions_summary.csv"),
        _write_csv(load.breaks, out / "series_breaks.csv"),
        _write_csv(load.unmapped, out / "unmapped_categories.csv"),
    ]
    text_path = out / "comparison.txt"
    text_path.write_text(comparison_text(comparison) + "\n", encoding="utf-8")
    written.append(text_path)

    readme = out / "README.txt"
    banner = [SYNTHETIC_STATUS.upper(), ""] if load.synthetic else []
    readme.write_text(
        "\n".join(
            banner
            + [
                f"Recorded crime for {borough}, period ending {month_label(pd.Period(end, 'M'))}.",
                f"Source: {status}; vintages {', '.join(sorted(load.files['vintage'].unique()))}.",
                "comparison.csv / comparison.txt: 12 and 3 months against the year before.",
                "load_*.csv, revisions_summary.csv, series_breaks.csv, unmapped_categories.csv: "
                "how the data were loaded.",
                "provenance.json: every input file with its SHA-256.",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    written.append(readme)

    provenance = {
        "generator": f"scpb_analysis {__version__}",
        "data_status": status,
        "synthetic": load.synthetic,
        "borough": borough,
        "period_end": str(end),
        "inputs": [
            {
                "file": row.file,
                "sha256": _sha256(Path(row.path)),
                "layout": row.layout,
                "scheme": row.scheme,
                "vintage": row.vintage,
                "vintage_basis": row.vintage_basis,
                "rows_read": int(row.rows_read),
                "rows_loaded": int(row.rows_loaded),
                "rows_set_aside": int(row.rows_set_aside),
            }
            for row in load.files.sort_values(["vintage", "file"]).itertuples(index=False)
        ],
        "outputs": sorted(p.name for p in written),
    }
    prov_path = out / "provenance.json"
    prov_path.write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    written.append(prov_path)
    return sorted(written)


def ward_rates(
    table: pd.DataFrame,
    population: pd.DataFrame,
    indicator: str,
    end: str,
    *,
    months: int = 12,
    multiplier: int = 1000,
    confidence: float = 0.95,
    measure: str = "offences",
) -> pd.DataFrame:
    """Rate per 1,000 residents by ward over the months to ``end``, with confidence limits.

    Parameters
    ----------
    table : DataFrame
        Tidy count table with ward rows (``area_type == "ward"``) on the same ward scheme as
        ``population`` (re-base 2014-ward months first with
        :func:`scpb_analysis.crosswalk.rebase_ward_series`).
    population : DataFrame
        ``ward_code, ward_name, population, source, vintage`` from
        :func:`scpb_analysis.sources.population.ward_population`.
    indicator : str
        Canonical indicator id.
    end : str
        Last month, ``YYYY-MM``.
    months : int
        Window length (12: a year's rate; 3: a quarter's, not annualised).

    Returns
    -------
    DataFrame
        One row per ward of ``population``: ``ward_code, ward_name, count, population, value,
        lower, upper, confidence, method, multiplier, rank, n_wards, window, indicator,
        population_source``. A ward with no rows in ``table`` gets a count of 0 only if the
        table holds other wards for every month of the window; ``rank`` 1 is the highest rate.

    Raises
    ------
    CoverageError
        If the table does not hold every month of the window.
    IncompleteIndicatorError
        If a category the taxonomy does not map may hold some of the indicator's offences in
        the window (every ward would otherwise show a rate too low, or 0).

    Examples
    --------
    >>> import pandas as pd
    >>> months = pd.period_range("2022-06", "2023-05", freq="M")
    >>> crime = pd.DataFrame({"month": list(months) * 2, "area_type": "ward",
    ...     "area_code": ["W1"] * 12 + ["W2"] * 12, "indicator": "robbery_of_personal_property",
    ...     "measure": "offences", "count": [1] * 12 + [0] * 12})
    >>> pop = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["A", "B"],
    ...     "population": [12000, 8000], "source": "Census 2021", "vintage": "2021"})
    >>> ward_rates(crime, pop, "robbery_of_personal_property", "2023-05")[
    ...     ["ward_code", "count", "value", "rank"]]
      ward_code  count  value  rank
    0        W1     12    1.0     1
    1        W2      0    0.0     2
    """
    from scpb_analysis.periods import Window, check_coverage, to_month
    from scpb_analysis.stats.rates import crude_rate
    from scpb_analysis.taxonomy.gaps import incomplete_error, mapping_gaps

    end_m = to_month(end)
    window = Window(end_m - (months - 1), end_m)
    gaps = mapping_gaps(table, [indicator], start=window.start, end=window.end,
                        area_types=("ward",), measure=measure)
    if len(gaps):
        raise incomplete_error(gaps, consequence="no ward rates are given for it")
    rows = table[(table["area_type"] == "ward") & (table["indicator"] == indicator)
                 & (table["measure"] == measure)]
    check_coverage(rows["month"].unique(), [window], what=f"the ward data for {indicator}")
    inside = rows[(rows["month"] >= window.start) & (rows["month"] <= window.end)]
    counts = inside.groupby("area_code")["count"].sum()
    out = population[["ward_code", "ward_name", "population"]].copy()
    out["count"] = out["ward_code"].map(counts).fillna(0).astype("int64")
    rates = crude_rate(out["count"].to_numpy(), out["population"].to_numpy(),
                       multiplier=multiplier, confidence=confidence)
    for col in ("value", "lower", "upper", "confidence", "method", "multiplier"):
        out[col] = rates[col].to_numpy()
    out["rank"] = out["value"].rank(method="min", ascending=False).astype("int64")
    out["n_wards"] = len(out)
    out["window"] = window.label
    out["indicator"] = indicator
    source = population["source"].iloc[0] if "source" in population else "population supplied"
    out["population_source"] = str(source)
    columns = ["ward_code", "ward_name", "count", "population", "value", "lower", "upper",
               "confidence", "method", "multiplier", "rank", "n_wards", "window", "indicator",
               "population_source"]
    return out[columns].sort_values(["rank", "ward_name"]).reset_index(drop=True)
