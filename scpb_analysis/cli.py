"""The ``scpb`` command: compare periods, build the pack, write the demo data.

``scpb build`` with no ``--data-dir`` writes the synthetic demo data to ``data/demo`` and builds
the pack on it, so a fresh install runs end to end; point ``--data-dir`` at a folder of real
data (laid out like ``../shared/data``) for the real pack.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from scpb_analysis.core.errors import CoverageError, InputDataError, UnmappedCategoryError

_USER_ERRORS = (InputDataError, CoverageError, UnmappedCategoryError)


def _month_arg(text: str) -> str:
    from scpb_analysis.core.periods import to_month

    try:
        return str(to_month(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    from scpb_analysis.stats.rag import RAG_RULES

    parser = argparse.ArgumentParser(
        prog="scpb",
        description="Safer Communities Partnership Board analysis: recorded-crime comparisons "
        "and the quarterly pack.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    compare = sub.add_parser(
        "compare",
        help="12-month and 3-month comparisons for one borough",
        description="Load MPS recorded-crime files (any published vintage or format) and "
        "compare the 12 and 3 months to --end with the year before.",
    )
    compare.add_argument("--data", nargs="+", required=True, metavar="PATH",
                         help="MPS files (CSV, or Parquet copies) and/or folders of them: "
                         "borough, ward or LSOA files, or the Monthly Crime Dashboard extract")
    compare.add_argument("--borough", required=True, help="borough name, e.g. Barnet")
    compare.add_argument("--end", required=True, type=_month_arg,
                         help="last month of the period, YYYY-MM")
    compare.add_argument("--format", choices=["table", "csv"], default="table",
                         help="plain-text table (default) or CSV")
    compare.add_argument("--rank-basis", default="pct_change_3m",
                         choices=["pct_change_3m", "pct_change_12m", "rate_12m", "rate_3m",
                                  "count_12m", "count_3m"],
                         help="what boroughs are ranked on (default: 3-month %% change, as "
                         "the dashboard slide)")
    compare.add_argument("--rag", default="significance-and-rank", choices=RAG_RULES,
                         help="rule for the RAG rating (default: a significant change decides, "
                         "else the rank movement)")
    compare.add_argument("--figures", choices=["as-published", "latest"],
                         default="as-published",
                         help="as-published (default): the figures as the board first saw "
                         "them, from the first publication covering the period, as scpb build "
                         "shows them; latest: every later revision too")
    compare.add_argument("--show-incomplete", action="store_true",
                         help="show an indicator that a category the taxonomy does not map may "
                         "belong to, marked INCOMPLETE, instead of refusing it")
    compare.add_argument("--output", type=Path, help="write to this file instead of stdout")

    build = sub.add_parser(
        "build",
        help="build the quarterly pack (on the synthetic demo data unless --data-dir is given)",
        description="Run the pack's notebooks with papermill (in parallel), render them as "
        "code-free HTML, export every table as CSV and into one Excel workbook, and write "
        "index.html. Without --data-dir the synthetic demo data are written to --demo-dir and "
        "used. The pack is built beside --out and replaces it whole when complete; Ctrl-C "
        "leaves the previous pack as it was (exit status 130). Exit status 1 if any notebook "
        "failed (the pack shows which), 2 for a usage error.",
    )
    build.add_argument("--borough", "--area", dest="borough", default="Barnet",
                       help="a London borough (default Barnet), or outside London a local "
                       "authority (Community Safety Partnership) whose force's police.uk files "
                       "are in the data folder, e.g. --area \"Bristol, City of\"")
    build.add_argument("--rag", default="significance-and-rank", choices=RAG_RULES,
                       help="rule for the dashboard's RAG ratings (default: a significant "
                       "change decides, else the rank movement)")
    build.add_argument("--ward", default="",
                       help="the ward the ward profile covers (default: the ward with the most "
                       "indicators significantly above the borough rate; the page says so)")
    build.add_argument("--period-end", "--end", dest="period_end", type=_month_arg,
                       help="last month of the period, YYYY-MM (default: 2023-05 on the demo "
                       "data, else the latest month of the MPS borough files)")
    build.add_argument("--data-dir", type=Path,
                       help="data folder laid out like data/demo or ../shared/data (mps/, "
                       "boundaries/, population/, lookups/, deprivation/, partnership/)")
    build.add_argument("--only", nargs="+", metavar="NAME",
                       help="run only these notebooks (see scpb list)")
    build.add_argument("--audience", choices=["internal", "public"], default="internal",
                       help="public: small numbers suppressed, Prevent and CS MARAC left out")
    build.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    build.add_argument("--pdf", action="store_true",
                       help="also print every page to pdf/<page>.pdf (A4, numbered pages) for "
                       "the agenda; needs headless Chromium")
    build.add_argument("--out", "--output-dir", dest="out", type=Path, default=Path("output"),
                       help="where the pack goes (default ./output)")
    build.add_argument("--demo-dir", type=Path, default=Path("data") / "demo",
                       help="where the demo data are written (default ./data/demo)")
    build.add_argument("--figures", choices=["as-published", "latest"],
                       default="as-published",
                       help="recorded crime as the board first saw it (default) or with every "
                       "later revision")
    build.add_argument("--show-incomplete", action="store_true",
                       help="show indicators a category the taxonomy does not map may belong "
                       "to, marked INCOMPLETE, instead of failing the page")
    build.add_argument("--set", dest="settings", action="append", default=[],
                       metavar="NAME=VALUE",
                       help="another notebook parameter (scpb params NAME lists them), e.g. "
                       "--set treated_wards='Burnt Oak' --set intervention_start=2022-06; "
                       "repeat for more")
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.add_argument("--cache-dir", type=Path,
                       help="where harmonised tables are kept between notebooks and builds "
                       "(default $SCPB_CACHE_DIR or ~/.cache/scpb_analysis)")
    build.add_argument("--no-cache", action="store_true",
                       help="every notebook reads its own sources; nothing is cached")

    bench = sub.add_parser(
        "bench",
        help="benchmarks against the obvious code; last line is one JSON object",
        description="Time the police.uk ward-count pipeline against per-file read_csv + "
        "concat + sjoin + groupby (identical counts checked), the MPS loader, the package "
        "import and the whole demo pack build. See bench/README.md.",
    )
    bench.add_argument("--quick", action="store_true",
                       help="fewer runs, inputs of 1x and 10x (default; under 3 minutes)")
    bench.add_argument("--full", action="store_true",
                       help="more runs and 100x too (4 GB temporary CSV, ~10 GB memory for "
                       "the baseline)")
    bench.add_argument("--national", action="store_true",
                       help="also a 60-million-row Parquet archive counted out of core")
    bench.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    bench.add_argument("--data-dir", type=Path,
                       help="the real data folder (default $SCPB_SHARED_DATA or ../shared/data)")
    bench.add_argument("--no-pack", action="store_true", help="skip the pack build timing")
    bench.add_argument("--real-pack", action="store_true",
                       help="also time the real-data Barnet pack (May 2023): without a shared "
                       "cache (each notebook reading its own sources), cold cache, warm cache")

    sub.add_parser("list", help="list the pack's notebooks")
    params = sub.add_parser("params", help="show a notebook's parameters and defaults")
    params.add_argument("notebook", help="notebook name (see scpb list)")

    fetch = sub.add_parser(
        "fetch",
        help="download the public sources (MPS crime, boundaries, Census, IMD) with checksums",
        description="Download the public sources listed in scpb_analysis/reference/sources.toml "
        "into a data folder, checking SHA-256 where known and otherwise what arrived (header, "
        "whole rows, size), never replacing a good copy with a worse one, and record "
        "provenance.json. Exit status 2 if any source failed.",
    )
    fetch.add_argument("--data-dir", type=Path, default=Path("data"),
                       help="folder to download into (default ./data)")
    fetch.add_argument("--only", nargs="+", metavar="ID",
                       help="source ids or patterns (e.g. 'mps-borough-*'); default: current")
    fetch.add_argument("--base-url", help="a mirror laid out like the data folder")
    fetch.add_argument("--config", type=Path, help="another sources TOML file")
    fetch.add_argument("--force", action="store_true", help="download even if unchanged")
    fetch.add_argument("--allow-smaller", action="store_true",
                       help="accept a download with fewer months, or under half the rows or "
                       "bytes, of the copy it replaces (refused by default)")
    fetch.add_argument("--list", action="store_true", help="list the sources and stop")

    check = sub.add_parser(
        "check",
        help="check a board table: totals, shares, %% changes, stock-flow, periods, narrative",
        description="Consistency checks over a table exported as CSV (from the toolkit or typed "
        "by hand). Options come from '#' lines at the top of the file or a sidecar "
        "NAME.check.toml; see scpb_analysis.qa.checks. Exit status 1 if any check fails.",
    )
    check.add_argument("tables", nargs="+", type=Path, metavar="TABLE.csv")
    check.add_argument("--rounding", choices=["half_up", "largest_remainder"],
                       help="how printed shares were rounded (default half up)")
    check.add_argument("--period", help="the period the table covers, e.g. 2023-03..2023-05")
    check.add_argument("--narrative", help="text quoting the table's numbers")
    check.add_argument("--notes", action="store_true",
                       help="also say what could not be checked")

    demo = sub.add_parser("demo", help="write the synthetic demo data in the MPS formats")
    demo.add_argument("--out", type=Path, default=Path("data") / "demo",
                      help="folder to write to (default ./data/demo)")
    return parser


def _compare(args: argparse.Namespace) -> int:
    from scpb_analysis.blocks.comparison import compare_periods, comparison_text
    from scpb_analysis.sources.mps import read_mps_crime_for_period
    from scpb_analysis.stats.rag import rag_rule_named

    load = read_mps_crime_for_period(args.data, args.end, figures=args.figures)
    _warn_unmapped(load)
    table = compare_periods(load.table, args.borough, args.end, breaks=load.breaks,
                            rank_basis=args.rank_basis, rag_rule=rag_rule_named(args.rag),
                            incomplete="mark" if args.show_incomplete else "refuse")
    if args.format == "csv":
        text = table.to_csv(index=False, lineterminator="\n")
    else:
        figures = ("as first published" if args.figures == "as-published"
                   else "latest revisions")
        text = (comparison_text(table) + f"\nFigures: {figures}; publications read: "
                f"{load.publications_text()}.\n")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _warn_unmapped(load) -> None:
    if len(load.unmapped):
        for row in load.unmapped.itertuples(index=False):
            print(f"scpb: warning: {row.file}: category not in the taxonomy, carried as "
                  f"'{row.indicator}'; indicators it may belong to are refused (or, with "
                  "--show-incomplete, marked INCOMPLETE)", file=sys.stderr)


#: The demo data are built around the July 2023 board pack (period ending May 2023).
DEMO_PERIOD_END = "2023-05"



def _run_build(args: argparse.Namespace) -> int:
    from scpb_analysis.pack.data import latest_period_end
    from scpb_analysis.pack.runner import build_pack

    period_end = args.period_end
    data_dir = args.data_dir
    if data_dir is None:
        from scpb_analysis.demo import write_demo_data
        from scpb_analysis.demo.partnership import write_partnership_demo

        write_demo_data(args.demo_dir)
        write_partnership_demo(args.demo_dir)
        data_dir = args.demo_dir
        period_end = period_end or DEMO_PERIOD_END
        print(f"scpb: demo data (synthetic) written to {args.demo_dir}", file=sys.stderr)
    elif not data_dir.is_dir():
        print(f"scpb: error: --data-dir {data_dir}: not a folder", file=sys.stderr)
        return 2
    try:
        settings = _settings(args.settings)
        period_end = period_end or latest_period_end(data_dir, args.borough)
        build = build_pack(borough=args.borough, period_end=period_end, data_dir=data_dir,
                           out=args.out, only=args.only, audience=args.audience,
                           jobs=args.jobs, progress=not args.no_progress,
                           figures=args.figures.replace("-", "_"),
                           incomplete="mark" if args.show_incomplete else "refuse",
                           ward=args.ward, rag=args.rag, pdf=args.pdf, settings=settings,
                           cache_dir=None if args.no_cache else (args.cache_dir or True))
    except (ValueError, FileNotFoundError) as exc:
        print(f"scpb: error: {exc}", file=sys.stderr)
        return 2
    print(build.summary())
    return 0 if build.ok else 1


def _settings(given: list[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set {item!r}: expected NAME=VALUE")
        if name.strip() in settings:
            raise ValueError(f"--set {name.strip()!r} given twice")
        settings[name.strip()] = value
    return settings


def _build(args: argparse.Namespace) -> int:
    # Ctrl-C at any point (writing the demo data, running the notebooks): one line, exit 130.
    try:
        return _run_build(args)
    except KeyboardInterrupt:
        kept = (f"the previous pack in {args.out} is unchanged" if args.out.exists()
                else "no pack was written")
        print(f"scpb: build interrupted: kernels stopped, unfinished pack deleted; {kept}",
              file=sys.stderr)
        return 130


def _bench(args: argparse.Namespace) -> int:
    import json

    from scpb_analysis.bench import import_seconds, pack_build_seconds, run_benchmarks

    try:
        result = run_benchmarks(quick=not args.full, data_dir=args.data_dir,
                                national=args.national, dask=not args.no_dask)
    except FileNotFoundError as exc:
        print(f"scpb: error: {exc} (pass --data-dir)", file=sys.stderr)
        return 2
    result.update(import_seconds())
    if not args.no_pack:
        result["pack_build_s"] = round(pack_build_seconds(jobs=2), 2)
    if args.real_pack:
        from scpb_analysis.bench import real_pack_seconds

        result["real_pack"] = real_pack_seconds(args.data_dir)
        print("real Barnet pack: " + ", ".join(f"{k} {v}" for k, v in
                                                result["real_pack"].items()))
    scaled = "; ".join(f"{k}x: {v.get('ratio')}x ({v['rows']:,} rows, peak {v['peak_mb']} MB)"
                       for k, v in result["scaled"].items())
    print(f"police.uk ward counts: {result['points_rows']:,} rows, "
          f"{result['points_ratio']}x the baseline ({result['points_rows_per_s']:,} rows/s, "
          f"peak {result['points_peak_mb']} MB; first call {result['points_ratio_first_call']}x)"
          f"; {scaled}; MPS load {result['mps_load_s']} s; pack build "
          f"{result['pack_build_s']} s; import {result['import_s']} s")
    print(json.dumps(result, sort_keys=True, default=str))
    return 0


def _list(args: argparse.Namespace) -> int:
    from scpb_analysis.pack.runner import list_notebooks

    for item in list_notebooks():
        print(f"{item['name']}: {item['title']}")
    return 0


def _params(args: argparse.Namespace) -> int:
    from scpb_analysis.pack.runner import notebook_parameters

    try:
        found = notebook_parameters(args.notebook)
    except (ValueError, FileNotFoundError) as exc:
        print(f"scpb: error: {exc}", file=sys.stderr)
        return 2
    for item in found:
        note = f"  # {item['help']}" if item["help"] else ""
        kind = f": {item['type']}" if item["type"] else ""
        print(f"{item['name']}{kind} = {item['default']}{note}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from scpb_analysis.sources.fetch import FetchError, fetch_sources, load_sources

    if args.list:
        for source in load_sources(args.config):
            flag = " (archived)" if source.archived else ""
            print(f"{source.id}{flag}: {source.title} -> {source.path}")
        return 0
    try:
        result = fetch_sources(args.data_dir, ids=args.only, base_url=args.base_url,
                               config=args.config, force=args.force,
                               allow_smaller=args.allow_smaller)
    except KeyboardInterrupt:
        print("scpb: fetch interrupted: the download in progress was discarded; files already "
              "in place and provenance.json are consistent", file=sys.stderr)
        return 130
    except FetchError as exc:
        print(f"scpb: error: {exc}", file=sys.stderr)
        if getattr(exc, "result", None) is not None:
            print(exc.result.summary(), file=sys.stderr)
        return 2
    print(result.summary())
    return 0


def _check(args: argparse.Namespace) -> int:
    from scpb_analysis.qa.checks import check_file

    failed = 0
    for path in args.tables:
        options = {k: v for k, v in (("rounding", args.rounding), ("period", args.period),
                                     ("narrative", args.narrative)) if v}
        report = check_file(path, **options)
        print(f"{path}:")
        print(report.text(notes=args.notes))
        failed += not report.ok
    return 1 if failed else 0


def _demo(args: argparse.Namespace) -> int:
    from scpb_analysis.demo import write_demo_data

    print(write_demo_data(args.out))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scpb`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"compare": _compare, "build": _build, "demo": _demo, "fetch": _fetch,
                "check": _check, "list": _list, "params": _params, "bench": _bench}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return handlers[args.command](args)
        except _USER_ERRORS as exc:
            print(f"scpb: error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())
