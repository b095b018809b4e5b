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


_OTHER_WARDS = "Other wards"
_ALL_OTHER_WARDS = "All other wards"
_OTHER_OUTCOMES = "Other tools and powers"
_OTHER_CODES = "Other offence codes"


def _listed(labels) -> str:
    return ", ".join(str(label) for label in labels)


def _combined_note(release, what: str) -> list[str]:
    if not release.combined:
        return []
    return [f"{release.other_label}: the {len(release.combined)} {what} with the fewest, "
            f"added up so that fewer than a quarter of the table's cells are hidden: "
            f"{_listed(release.combined)}."]


def _check_share(name: str, result) -> None:
    from scpb_analysis.qa.disclosure import PUBLIC_MAX_SUPPRESSED, suppressed_share

    share = suppressed_share(result.public_table, result.rule)
    if share >= PUBLIC_MAX_SUPPRESSED:
        raise RuntimeError(f"{name}: {share:.0%} of the public table's cells are hidden, "
                           f"more than {PUBLIC_MAX_SUPPRESSED:.0%} even after aggregation")


def _merge_one_more(release, total_row, counts):
    """The release with its next smallest non-zero row added to the combined row, or None."""
    from dataclasses import replace

    from scpb_analysis.qa.disclosure import combine_rows

    body = counts.drop(index=[total_row, release.other_label], errors="ignore")
    totals = body.iloc[:, -1]
    left = [r for r in totals.sort_values(kind="stable").index if totals[r] > 0]
    if not left:
        return None
    other = counts.loc[release.other_label].iloc[-1] if release.other_label in counts.index \
        else 0
    # A non-empty combined row takes one more ward; an empty one two, or it would be that ward.
    members = left[:1] if other > 0 or len(left) == 1 else left[:2]
    merged = combine_rows(counts, members, release.other_label, total_row=total_row)
    return replace(release, counts=merged, combined=(*release.combined, *members))


def _public_cctv(cctv: pd.DataFrame, window: Window, borough: str
                 ) -> dict[str, tuple[str, pd.DataFrame, list[str]]]:
    """The ward table and the ward by incident-group table, aggregated and suppressed together.

    The ward table is the other's total column: suppressed apart, a total hidden in one would
    be printed in the other and the cells behind it could be worked out.
    """
    from scpb_analysis.blocks import partnership_tables as t
    from scpb_analysis.qa.disclosure import (
        SuppressionRule,
        group_columns,
        release_table,
        suppressed_share,
    )

    start, end = window.start, window.end
    by_ward = t.cctv_by_ward(cctv, start, end, borough)
    counts = by_ward.assign(ward_name=by_ward["ward_name"].fillna(t.GRAND_TOTAL))
    counts = counts.set_index("ward_name")[["count"]].rename(
        columns={"count": "Number of incidents"})
    counts.loc[t.GRAND_TOTAL] = counts.drop(index=t.GRAND_TOTAL, errors="ignore").sum()
    matrix = t.cctv_ward_by_type(cctv, start, end, borough)
    grid = matrix.assign(ward_name=matrix["ward_name"].fillna(t.GRAND_TOTAL)).drop(
        columns="ward_code").set_index("ward_name")
    fine = group_columns(grid, t.CCTV_TYPE_GROUPS, total_col="Total")
    broad = group_columns(fine, t.CCTV_BROAD_GROUPS, total_col="Total")

    wards = release_table(counts, other_label=_OTHER_WARDS,
                          rule=SuppressionRule(total_row=t.GRAND_TOTAL))

    def by_groups(frame: pd.DataFrame):
        # Wards without incidents are zero in the ward table: here they would only pad it.
        return release_table(frame, other_label=_ALL_OTHER_WARDS, combine_zero_rows=True,
                             rule=SuppressionRule(total_row=t.GRAND_TOTAL, total_col="Total"))

    def wards_shown(release) -> int:
        return len(release.counts.index) - 1 - (_ALL_OTHER_WARDS in release.counts.index)

    # The six groups unless the three broad ones show more wards by name.
    types, groups = by_groups(fine), t.CCTV_TYPE_GROUPS
    coarse = by_groups(broad)
    if wards_shown(coarse) > wards_shown(types):
        types = coarse
        groups = {name: tuple(x for g in members for x in t.CCTV_TYPE_GROUPS[g])
                  for name, members in t.CCTV_BROAD_GROUPS.items()}
    while True:
        by_type = types.counts
        if set(types.combined) == set(wards.combined) and types.combined:
            # The same wards combined in both: one row, printed (and protected) alike.
            by_type = by_type.rename(index={_ALL_OTHER_WARDS: _OTHER_WARDS})
        results = _suppressed(
            {"cctv_by_ward": (wards.counts, t.GRAND_TOTAL, None),
             "cctv_ward_by_type": (by_type, t.GRAND_TOTAL, "Total")},
            links=[("cctv_by_ward", "Number of incidents", "cctv_ward_by_type", "Total")])
        over = [n for n, r in results.items()
                if suppressed_share(r.public_table, r.rule) >= 0.25]
        # Protected together, the ward by group table may need more cells hidden than alone;
        # then one more ward joins its combined row.
        more = _merge_one_more(types, t.GRAND_TOTAL, types.counts) if over else None
        if more is None:
            break
        types = more
    for name, result in results.items():
        _check_share(name, result)
    if _ALL_OTHER_WARDS in by_type.index and results["cctv_by_ward"].mask.to_numpy().any():
        # The combined row's total is a sum of rows of the ward table, a link the suppression
        # does not model: only safe while the ward table hides nothing.
        raise RuntimeError("cctv_ward_by_type: cannot publish a combined row of wards beside "
                           "a ward table with hidden cells")
    ward_notes = _combined_note(wards, "wards")
    type_notes = _combined_note(types, "wards")
    if by_type.index.isin([_OTHER_WARDS]).any() and types.combined:
        type_notes = [f"{_OTHER_WARDS} are the same wards as in the ward table."]
    listed = "; ".join(f"{group}: {_listed(members)}" for group, members in groups.items())
    type_notes.append(f"Incident types are grouped, as the 25 types by ward are mostly "
                      f"counts under 5: {listed}.")
    out = {}
    for name, title, notes in (
            ("cctv_by_ward", f"CCTV incidents by ward: {window.label}", ward_notes),
            ("cctv_ward_by_type", f"CCTV incidents by ward and type of incident: "
                                  f"{window.label}", type_notes)):
        result = results[name]
        out[name] = (title, result.public_table.rename_axis("ward_name").reset_index(),
                     [*([result.note] if result.note else []), *notes])
    return out


def _public_asb(outcomes: pd.DataFrame, window: Window) -> tuple[str, pd.DataFrame, list[str]]:
    """Outcomes by month, small outcomes combined; the three months together if needed."""
    from scpb_analysis.blocks import partnership_tables as t
    from scpb_analysis.core.periods import month_label
    from scpb_analysis.qa.disclosure import (
        PUBLIC_MAX_SUPPRESSED,
        SuppressionRule,
        release_table,
    )

    grid = t.asb_outcomes_by_month(outcomes, window.start, window.end)
    months = [month_label(m) for m in grid["month"]]
    by_month = grid.drop(columns="month").T.set_axis(months, axis=1)
    by_month.index.name = "outcome"
    by_month["Total"] = by_month[months].sum(axis=1)
    rule = SuppressionRule(total_col="Total")
    release = release_table(by_month, other_label=_OTHER_OUTCOMES, rule=rule)
    detail = release.counts.drop(index=[_OTHER_OUTCOMES], errors="ignore")
    if release.share >= PUBLIC_MAX_SUPPRESSED or not (detail["Total"] > 0).any():
        # Month by month is too sparse to publish: the three months together.
        period = by_month[["Total"]].rename(columns={"Total": window.label})
        release = release_table(period, other_label=_OTHER_OUTCOMES)
    result = release.result
    _check_share("asb_outcomes_by_month", result)
    notes = [*([result.note] if result.note else []), *_combined_note(release, "outcomes")]
    return (f"ASB tools and powers outcomes: {window.label}",
            result.public_table.reset_index(), notes)


def _public_tables(loads: dict, window: Window, borough: str
                   ) -> dict[str, tuple[str, pd.DataFrame, list[str]]]:
    from scpb_analysis.blocks import partnership_tables as t
    from scpb_analysis.qa.disclosure import release_table, verify_suppression

    out: dict[str, tuple[str, pd.DataFrame, list[str]]] = {}
    start, end = window.start, window.end

    def one(name: str, counts: pd.DataFrame, other: str, what: str):
        release = release_table(counts, other_label=other)
        problems = verify_suppression(release.result)
        if problems:
            raise RuntimeError(f"{name}: suppression left recoverable cells: "
                               + "; ".join(problems))
        _check_share(name, release.result)
        result = release.result
        return (result.public_table.reset_index(),
                [*([result.note] if result.note else []), *_combined_note(release, what)])

    if "cctv" in loads:
        out.update(_public_cctv(loads["cctv"].table, window, borough))
    if "asb_outcomes" in loads:
        out["asb_outcomes_by_month"] = _public_asb(loads["asb_outcomes"].table, window)
    if "fpn" in loads:
        codes = t.fpn_by_code(loads["fpn"].table, start, end).set_index("offence_code")
        frame, notes = one("fpn_by_code", codes[["count"]].rename(
            columns={"count": "Fixed penalty notices"}), _OTHER_CODES, "offence codes")
        out["fpn_by_code"] = (f"Fixed penalty notices by offence code: {window.label}", frame,
                              notes)
    if "damarac" in loads:
        quarters = t.damarac_by_quarter(loads["damarac"].table).set_index("quarter")
        frame, notes = one("damarac_by_quarter", quarters[["referrals"]].rename(
            columns={"referrals": "DA MARAC referrals"}), "Other quarters", "quarters")
        out["damarac_by_quarter"] = ("DA MARAC referrals by quarter", frame, notes)
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
    return {name: (title, frame, [*own, *notes[_TABLE_SOURCES[name]]])
            for name, (title, frame, own) in tables.items()}


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
