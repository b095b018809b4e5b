"""The ``scpb`` command: compare periods, build the pack, write the demo data.

``scpb build`` with no ``--data`` writes the synthetic demo data to ``data/demo`` and builds on
it, so a fresh install runs end to end; point ``--data`` at real MPS files for the real pack.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from scpb_analysis.errors import CoverageError, InputDataError, UnmappedCategoryError

_USER_ERRORS = (InputDataError, CoverageError, UnmappedCategoryError)


def _month_arg(text: str) -> str:
    from scpb_analysis.periods import to_month

    try:
        return str(to_month(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
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
                         help="MPS CSV files and/or folders of them")
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
    compare.add_argument("--rag", default="rank-movement", choices=sorted(_RAG_RULES),
                         help="rule for the RAG rating (default: rank movement)")
    compare.add_argument("--output", type=Path, help="write to this file instead of stdout")

    build = sub.add_parser(
        "build",
        help="build the pack (on the synthetic demo data unless --data is given)",
        description="Build the pack's outputs: the period comparison and the load reports "
        "(files, row accounting, revisions, series breaks, unmapped categories), with "
        "provenance.",
    )
    build.add_argument("--data", nargs="+", metavar="PATH",
                       help="MPS CSV files and/or folders; default: write and use demo data")
    build.add_argument("--borough", default="Barnet", help="borough (default Barnet)")
    build.add_argument("--end", type=_month_arg,
                       help="last month of the period, YYYY-MM (default: latest)")
    build.add_argument("--output-dir", type=Path, default=Path("output"),
                       help="where outputs go (default ./output)")
    build.add_argument("--demo-dir", type=Path, default=Path("data") / "demo",
                       help="where the demo data are written (default ./data/demo)")
    build.add_argument("--partnership", type=Path, metavar="PATH",
                       help="folder of partnership exports (CCTV, ASB, CS MARAC, Prevent, DA "
                       "MARAC); default with demo data: the demo exports")
    build.add_argument("--audience", choices=["internal", "public"], default="internal",
                       help="public: small numbers suppressed, Prevent and CS MARAC left out")

    fetch = sub.add_parser(
        "fetch",
        help="download the public sources (MPS crime, boundaries, Census, IMD) with checksums",
        description="Download the public sources listed in scpb_analysis/reference/sources.toml "
        "into a data folder, checking SHA-256 where known, and record provenance.json.",
    )
    fetch.add_argument("--data-dir", type=Path, default=Path("data"),
                       help="folder to download into (default ./data)")
    fetch.add_argument("--only", nargs="+", metavar="ID",
                       help="source ids or patterns (e.g. 'mps-borough-*'); default: current")
    fetch.add_argument("--base-url", help="a mirror laid out like the data folder")
    fetch.add_argument("--config", type=Path, help="another sources TOML file")
    fetch.add_argument("--force", action="store_true", help="download even if unchanged")
    fetch.add_argument("--list", action="store_true", help="list the sources and stop")

    check = sub.add_parser(
        "check",
        help="check a board table: totals, shares, % changes, stock-flow, periods, narrative",
        description="Consistency checks over a table exported as CSV (from the toolkit or typed "
        "by hand). Options come from '#' lines at the top of the file or a sidecar "
        "NAME.check.toml; see scpb_analysis.checks. Exit status 1 if any check fails.",
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


_RAG_RULES = {
    "rank-movement": ("rank_movement_rule", {}),
    "significance-12m": ("significance_rule", {"span": "12m"}),
    "significance-3m": ("significance_rule", {"span": "3m"}),
}


def _compare(args: argparse.Namespace) -> int:
    from scpb_analysis.comparison import compare_periods, comparison_text
    from scpb_analysis.sources.mps import read_mps_crime
    from scpb_analysis.stats import rag

    load = read_mps_crime(args.data)
    _warn_unmapped(load)
    factory, options = _RAG_RULES[args.rag]
    table = compare_periods(load.table, args.borough, args.end, breaks=load.breaks,
                            rank_basis=args.rank_basis,
                            rag_rule=getattr(rag, factory)(**options))
    text = table.to_csv(index=False) if args.format == "csv" else comparison_text(table) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _warn_unmapped(load) -> None:
    if len(load.unmapped):
        for row in load.unmapped.itertuples(index=False):
            print(f"scpb: warning: {row.file}: category not in the taxonomy, carried as "
                  f"'{row.indicator}' and left out of comparisons", file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    from scpb_analysis.report import build_crime_outputs

    partnership = args.partnership
    if args.data:
        data = [Path(p) for p in args.data]
    else:
        from scpb_analysis.demo import write_demo_data
        from scpb_analysis.partnership.demo import write_partnership_demo

        data = [write_demo_data(args.demo_dir)]
        if partnership is None:
            partnership = write_partnership_demo(args.demo_dir)
        print(f"scpb: demo data (synthetic) written to {args.demo_dir}", file=sys.stderr)
    written = build_crime_outputs(data, args.borough, args.output_dir, end=args.end)
    if partnership is not None:
        from scpb_analysis.partnership.pack import build_partnership_outputs

        written += build_partnership_outputs(partnership, args.output_dir, end=args.end,
                                             audience=args.audience, borough=args.borough)
    for path in written:
        print(path)
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from scpb_analysis.fetch import FetchError, fetch_sources, load_sources

    if args.list:
        for source in load_sources(args.config):
            flag = " (archived)" if source.archived else ""
            print(f"{source.id}{flag}: {source.title} -> {source.path}")
        return 0
    try:
        result = fetch_sources(args.data_dir, ids=args.only, base_url=args.base_url,
                               config=args.config, force=args.force)
    except FetchError as exc:
        print(f"scpb: error: {exc}", file=sys.stderr)
        if getattr(exc, "result", None) is not None:
            print(exc.result.summary(), file=sys.stderr)
        return 2
    print(result.summary())
    return 0


def _check(args: argparse.Namespace) -> int:
    from scpb_analysis.checks import check_file

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
                "check": _check}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return handlers[args.command](args)
        except _USER_ERRORS as exc:
            print(f"scpb: error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())
