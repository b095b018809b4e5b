"""The partnership part of the pack, written for its audience.

``internal`` (the analysts and the board's officers) gets every table as the board sees it;
``public`` gets only count tables that have been through small-number suppression with
secondary suppression (verified), never the Prevent or CS MARAC tables whose overlapping
categories cannot be protected by row and column totals.

Every table whose input rows were set aside says so in its notes (how many, and why, grouped:
:func:`scpb_analysis.sources.partnership.load_notes`), and a "set aside" table lists each
file's rows read, loaded and set aside, so a short total can be told from a true one. Rows
dated after the period end or in the future are set aside at load, so no table counts them.

Nothing is written where the reader looks until it has been scanned for personal data: the
files are written to a temporary folder beside the destination, scanned, and only then moved
into place. A refusal leaves nothing behind, and any previous outputs as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pandas as pd

from scpb_analysis.core.marker import SYNTHETIC_BANNER
from scpb_analysis.core.periods import Window, fy_quarter, fy_quarter_window
from scpb_analysis.sources.partnership import PartnershipPeriod

__all__ = ["build_partnership_outputs", "cctv_ward_chart", "partnership_tables",
           "PUBLIC_EXCLUDED", "SET_ASIDE", "SYNTHETIC_BANNER"]


#: Tables never published: their categories overlap (age, sex and ideology of the same
#: referrals; stocks and flows of the same cases), so suppression cannot be checked.
PUBLIC_EXCLUDED = ("prevent", "csmarac")

#: Name of the table of rows set aside at load (per file, with the reasons grouped).
SET_ASIDE = "set_aside"

# The source each table is built from, for the notes about its input.
_TABLE_SOURCES = {
    "cctv_by_ward": "cctv", "cctv_ward_by_type": "cctv", "cctv_type_shares": "cctv",
    "cctv_hour_profile": "cctv", "cctv_mode": "cctv", "asb_outcomes_by_month": "asb_outcomes",
    "fpn_by_code": "fpn", "community_triggers": "community_trigger",
    "csmarac_meetings": "csmarac", "prevent_quarter_comparison": "prevent",
    "damarac_by_quarter": "damarac",
}
_PUBLIC_SOURCES = ("cctv", "asb_outcomes", "fpn", "damarac")


def _latest_quarter(end: pd.Period) -> str:
    """The last financial-year quarter wholly on or before ``end``."""
    quarter = fy_quarter(end)
    if fy_quarter_window(quarter).end > end:
        quarter = fy_quarter(fy_quarter_window(quarter).start - 1)
    return quarter


def _markdown(title: str, frame: pd.DataFrame, notes: list[str]) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([f"**{title}**", "", header, rule, *rows, "", *notes]) + "\n"


def _suppressed(tables: dict[str, tuple[pd.DataFrame, object, object]], links=()):
    """Suppress tables published together, each ``name -> (counts, total_row, total_col)``.

    Tables that share a margin (the ward table is the row totals of the ward by type table)
    are suppressed together, so a cell hidden in one cannot be worked out from another.
    """
    from scpb_analysis.qa.disclosure import SuppressionRule, suppress_linked, verify_linked

    counts = {name: frame for name, (frame, _, _) in tables.items()}
    totals = {name: (row, col) for name, (_, row, col) in tables.items()}
    try:
        results = suppress_linked(counts, totals=totals, links=links)
    except ValueError:
        # Some tables (e.g. four wards of 1 under a total of 4) cannot be protected while
        # zeros are shown; hiding zeros as well always can be.
        results = suppress_linked(counts, totals=totals, links=links,
                                  rule=SuppressionRule(suppress_zeros=True))
    problems = verify_linked(results, links)
    if problems:
        raise RuntimeError("suppression left recoverable cells: " + "; ".join(problems))
    return results


def _public_tables(loads: dict, window: Window, borough: str
                   ) -> dict[str, tuple[str, pd.DataFrame, str]]:
    from scpb_analysis.blocks import partnership_tables as t

    out: dict[str, tuple[str, pd.DataFrame, str]] = {}
    start, end = window.start, window.end

    def one(counts: pd.DataFrame, total_row=None, total_col=None):
        return _suppressed({"table": (counts, total_row, total_col)})["table"]

    if "cctv" in loads:
        by_ward = t.cctv_by_ward(loads["cctv"].table, start, end, borough)
        counts = by_ward.assign(ward_name=by_ward["ward_name"].fillna("Grand Total"))
        counts = counts.set_index("ward_name")[["count"]].rename(
            columns={"count": "Number of incidents"})
        counts.loc["Grand Total"] = counts.drop(index="Grand Total", errors="ignore").sum()
        matrix = t.cctv_ward_by_type(loads["cctv"].table, start, end, borough)
        grid = matrix.assign(ward_name=matrix["ward_name"].fillna("Grand Total")).drop(
            columns="ward_code").set_index("ward_name")
        # The ward table is the ward by type table's total column: suppressed apart, a total
        # hidden in one is printed in the other and the cells behind it can be worked out.
        results = _suppressed(
            {"cctv_by_ward": (counts, "Grand Total", None),
             "cctv_ward_by_type": (grid, grid.index[-1], grid.columns[-1])},
            links=[("cctv_by_ward", "Number of incidents", "cctv_ward_by_type",
                    grid.columns[-1])])
        out["cctv_by_ward"] = (f"CCTV incidents by ward: {window.label}",
                               results["cctv_by_ward"].public_table.reset_index(),
                               results["cctv_by_ward"].note)
        out["cctv_ward_by_type"] = (f"CCTV incidents by ward and type: {window.label}",
                                    results["cctv_ward_by_type"].public_table.reset_index(),
                                    results["cctv_ward_by_type"].note)
    if "asb_outcomes" in loads:
        grid = t.asb_outcomes_by_month(loads["asb_outcomes"].table, start, end)
        grid = grid.assign(month=grid["month"].astype(str)).set_index("month")
        result = one(grid)
        out["asb_outcomes_by_month"] = (f"ASB tools and powers outcomes: {window.label}",
                                        result.public_table.reset_index(), result.note)
    if "fpn" in loads:
        codes = t.fpn_by_code(loads["fpn"].table, start, end).set_index("offence_code")
        result = one(codes[["count"]].rename(columns={"count": "Fixed penalty notices"}))
        out["fpn_by_code"] = (f"Fixed penalty notices by offence code: {window.label}",
                              result.public_table.reset_index(), result.note)
    if "damarac" in loads:
        quarters = t.damarac_by_quarter(loads["damarac"].table).set_index("quarter")
        result = one(quarters[["referrals"]].rename(
            columns={"referrals": "DA MARAC referrals"}))
        out["damarac_by_quarter"] = ("DA MARAC referrals by quarter",
                                     result.public_table.reset_index(), result.note)
    return out


def _internal_tables(loads: dict, window: Window, quarter: str, borough: str
                     ) -> dict[str, pd.DataFrame]:
    from scpb_analysis.blocks import partnership_tables as t

    start, end = window.start, window.end
    year = Window(end - 11, end)
    built: dict[str, pd.DataFrame] = {}
    if "cctv" in loads:
        cctv = loads["cctv"].table
        built["cctv_by_ward"] = t.cctv_by_ward(cctv, start, end, borough)
        built["cctv_ward_by_type"] = t.cctv_ward_by_type(cctv, start, end, borough)
        built["cctv_type_shares"] = t.cctv_type_shares(cctv, start, end)
        built["cctv_hour_profile"] = t.cctv_hour_profile(cctv, start, end)
        built["cctv_mode"] = t.cctv_mode(cctv, start, end)
    if "asb_outcomes" in loads:
        built["asb_outcomes_by_month"] = t.asb_outcomes_by_month(
            loads["asb_outcomes"].table, start, end)
    if "fpn" in loads:
        built["fpn_by_code"] = t.fpn_by_code(loads["fpn"].table, start, end)
    if "community_trigger" in loads:
        built["community_triggers"] = t.community_triggers(
            loads["community_trigger"].table, start, end)
    if "csmarac" in loads:
        built["csmarac_meetings"] = t.csmarac_meetings(loads["csmarac"].table, year.start,
                                                       year.end)
    if "prevent" in loads:
        built["prevent_quarter_comparison"] = t.prevent_quarter_comparison(
            loads["prevent"].table, quarter)
    if "damarac" in loads:
        # Bounded by the period end like every other table (the loads are too).
        built["damarac_by_quarter"] = t.damarac_by_quarter(loads["damarac"].table, end=end)
    return built



def _usable(loads: dict) -> dict:
    """Loads with at least one row: a source with none gets no table (not a table of zeros)."""
    return {name: load for name, load in loads.items() if len(load.table)}


def _notes_by_source(loads: dict) -> dict[str, list[str]]:
    from scpb_analysis.sources.partnership import load_notes

    return {name: load_notes(load) for name, load in loads.items()}


def _set_aside(loads: dict, audience: str) -> tuple[str, pd.DataFrame, list[str]]:
    from scpb_analysis.sources.partnership import set_aside_table

    if audience == "public":
        # Only the exports behind a public table: even a row count of Prevent or the CS MARAC
        # is not for publication.
        loads = {k: v for k, v in loads.items() if k in _PUBLIC_SOURCES}
    frame = set_aside_table(loads)
    empty = [name for name, load in loads.items() if not len(load.table)]
    notes = ["Rows set aside are not counted in any table: a table built from a file with "
             "rows set aside says so in its notes. Each row's reason is in rejected_rows.csv "
             "of the internal pack (row and column, never the personal values)."]
    if empty:
        notes.append("No table is shown for " + ", ".join(empty) + ": no row of it could be "
                     "counted.")
    return "Partnership exports: rows read, loaded and set aside", frame, notes


def _public(loads: dict, window: Window, borough: str
            ) -> dict[str, tuple[str, pd.DataFrame, list[str]]]:
    notes = _notes_by_source(loads)
    tables = _public_tables(_usable(loads), window, borough)
    return {name: (title, frame, ([note] if note else []) + notes[_TABLE_SOURCES[name]])
            for name, (title, frame, note) in tables.items()}


def _internal(loads: dict, window: Window, end_m: pd.Period, borough: str
              ) -> dict[str, pd.DataFrame]:
    from scpb_analysis.blocks import partnership_tables as t

    notes = _notes_by_source(loads)
    built = _internal_tables(_usable(loads), window, _latest_quarter(end_m), borough)
    return {name: t.with_input_notes(table, notes[_TABLE_SOURCES[name]])
            for name, table in built.items()}


def partnership_tables(period: PartnershipPeriod, *, audience: str = "internal"
                       ) -> dict[str, tuple]:
    """The partnership tables as the audience may see them, for a notebook to show.

    Parameters
    ----------
    period : PartnershipPeriod
        The exports loaded up to the period end
        (:func:`scpb_analysis.sources.partnership.load_partnership_period`).
    audience : {"internal", "public"}
        ``public``: only suppressed count tables (see :data:`PUBLIC_EXCLUDED`).

    Returns
    -------
    dict
        Table name -> ``(title, table, notes)``. ``internal``: the board's printed tables
        (every cell a string, sentences and footnotes in ``notes``), each with a fourth item,
        the options :func:`scpb_analysis.pack.publish.show_tables` writes beside its CSV for
        ``scpb check``. ``public``: suppressed
        count tables only, with the suppression note. Both: the notes of a table whose input
        rows were set aside say how many and why, and :data:`SET_ASIDE` lists every file's
        rows read, loaded and set aside.

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> from scpb_analysis.sources.partnership import load_partnership_period
    >>> period = load_partnership_period(example_folder() / "partnership", "Barnet", "2023-05")
    >>> sorted(partnership_tables(period))[:3]
    ['asb_outcomes_by_month', 'cctv_by_ward', 'cctv_hour_profile']
    """
    from scpb_analysis.blocks import partnership_tables as t
    from scpb_analysis.qa.disclosure import check_audience

    check_audience(audience)
    loads, end_m = period.loads, period.end
    window = Window(end_m - 2, end_m)
    if audience == "public":
        out = _public(loads, window, period.borough)
    else:
        out = {}
        for name, table in _internal(loads, window, end_m, period.borough).items():
            board = t.to_board_table(table)
            # What scpb check needs to read the table as the board does: the sentences apart
            # from the footnotes, and the table's own options (e.g. its breakdowns).
            check: dict[str, list[str]] = {"narrative": list(board.text),
                                           "note": list(board.notes)}
            for option in board.checks:
                key, _, value = option.partition(":")
                check.setdefault(key.strip(), []).append(value.strip())
            out[name] = (board.title, board.table, [*board.text, *board.notes], check)
    out[SET_ASIDE] = _set_aside(loads, audience)
    return out


def build_partnership_outputs(period: PartnershipPeriod, output_dir: str | Path, *,
                              audience: str = "internal") -> list[Path]:
    """Write the board's partnership tables for the period's exports.

    The files are written to a temporary folder beside ``output_dir/partnership``, scanned for
    personal data, and moved into place only when the scan finds nothing. On refusal nothing
    is left behind and a previous ``partnership`` folder stays as it was.

    Parameters
    ----------
    period : PartnershipPeriod
        The exports loaded up to the period end, the last month of the 3-month window and of
        every table (:func:`scpb_analysis.sources.partnership.load_partnership_period`; rows
        dated later were set aside at load and are never counted).
    output_dir : path
        Where the tables go (a ``partnership/`` folder is made inside it, replacing any there).
    audience : {"internal", "public"}
        ``public`` writes only suppressed count tables (see :data:`PUBLIC_EXCLUDED`).

    Returns
    -------
    list of Path
        The files written, after a scan found no personal data in them.

    Raises
    ------
    scpb_analysis.qa.disclosure.PersonalDataError
        If any file would contain an e-mail address, phone number or full postcode; nothing is
        written then.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.demo import example_folder
    >>> from scpb_analysis.sources.partnership import load_partnership_period
    >>> period = load_partnership_period(example_folder() / "partnership", "Barnet", "2023-05")
    >>> paths = build_partnership_outputs(period, tempfile.mkdtemp())
    >>> "cctv_by_ward.md" in {p.name for p in paths}, "set_aside.md" in {p.name for p in paths}
    (True, True)
    """
    from scpb_analysis.qa.disclosure import check_audience, refuse_if_pii

    check_audience(audience)
    loads, end_m = period.loads, period.end
    banner = f"{SYNTHETIC_BANNER}\n\n" if period.synthetic else ""
    window = Window(end_m - 2, end_m)
    root = Path(output_dir)
    root.mkdir(parents=True, exist_ok=True)
    out = root / "partnership"
    # Beside the destination, so the final move is a rename on the same file system.
    staging = Path(tempfile.mkdtemp(prefix=".partnership-staging-", dir=root))
    try:
        names = _write_outputs(staging, loads, window, end_m, audience, banner,
                               period.borough)
        refuse_if_pii([staging / name for name in names])
        os.chmod(staging, 0o755)
        _move_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out / name for name in names)


def _move_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging``; the old folder goes only once the new one is in place."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".partnership-old-{uuid.uuid4().hex}")
    out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_outputs(out: Path, loads: dict, window: Window, end_m: pd.Period, audience: str,
                   banner: str, borough: str) -> list[str]:
    """Write every output file into ``out``; returns their names."""
    from scpb_analysis.blocks import partnership_tables as t

    written: list[str] = []
    if audience == "public":
        for name, (title, frame, notes) in _public(loads, window, borough).items():
            (out / f"{name}.md").write_text(banner + _markdown(title, frame, notes),
                                            encoding="utf-8")
            frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
            written += [f"{name}.md", f"{name}.csv"]
    else:
        for name, table in _internal(loads, window, end_m, borough).items():
            board = t.to_board_table(table)
            (out / f"{name}.md").write_text(banner + board.to_markdown(), encoding="utf-8")
            table.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
            # The printed table in the form `scpb check` reads, notes on rows set aside too.
            (out / f"{name}.board.csv").write_text(board.to_check_csv(), encoding="utf-8")
            written += [f"{name}.md", f"{name}.csv", f"{name}.board.csv"]
        reports = pd.concat([load.report.assign(source=name) for name, load in loads.items()],
                            ignore_index=True)
        reports.to_csv(out / "load_report.csv", index=False, lineterminator="\n")
        rejected = pd.concat([load.rejected.assign(source=name) for name, load in loads.items()],
                             ignore_index=True)
        rejected.to_csv(out / "rejected_rows.csv", index=False, lineterminator="\n")
        written += ["load_report.csv", "rejected_rows.csv"]
    title, frame, notes = _set_aside(loads, audience)
    (out / f"{SET_ASIDE}.md").write_text(banner + _markdown(title, frame, notes),
                                         encoding="utf-8")
    frame.to_csv(out / f"{SET_ASIDE}.csv", index=False, lineterminator="\n")
    written += [f"{SET_ASIDE}.md", f"{SET_ASIDE}.csv"]
    return written


def cctv_ward_chart(period: PartnershipPeriod):
    """Bar chart of CCTV incidents by ward over the 3 months to ``end`` (internal audience).

    Counts as small as 1 are drawn, so the chart is for the internal pack only; the public
    pack shows the suppressed table instead.

    Returns
    -------
    matplotlib.figure.Figure or None
        None if the exports hold no CCTV log.

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> from scpb_analysis.sources.partnership import load_partnership_period
    >>> period = load_partnership_period(example_folder() / "partnership", "Barnet", "2023-05")
    >>> cctv_ward_chart(period).axes[0].get_xlabel()
    'Incidents'
    """
    import matplotlib.pyplot as plt

    from scpb_analysis.blocks import partnership_tables as t

    loads, end_m = period.loads, period.end
    if "cctv" not in _usable(loads):
        return None
    table = loads["cctv"].table
    window = Window(end_m - 2, end_m)
    by_ward = t.cctv_by_ward(table, window.start, window.end, period.borough)
    wards = by_ward[by_ward["ward_name"].notna() & (by_ward["ward_name"] != "Grand Total")]
    wards = wards.sort_values(["count", "ward_name"], ascending=[True, False])
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(wards) + 1.2), dpi=100)
    ax.barh(wards["ward_name"].astype(str), wards["count"], color="#1f4e79")
    ax.set_xlabel("Incidents")
    ax.set_title(f"CCTV incidents by ward: {window.label}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    plt.close(fig)
    return fig
