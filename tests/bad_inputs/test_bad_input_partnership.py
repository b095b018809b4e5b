"""Bad partnership exports: each one is loaded right, refused clearly, or reported accurately.

Every case starts from the demo exports (:func:`write_partnership_demo`), changes one thing in
one export and writes it to ``tmp_path``. The expected figures are worked out here with plain
pandas from the intact demo file (dates parsed with an explicit format, wards matched by
lower-casing), never read back from the loader:

``correct``
    the monthly counts (and, for the CCTV log, the ward counts of March to May 2023) equal
    those of the intact file;
``reported``
    exactly the rows the case spoiled or added are set aside, with the expected kind of
    reason, the note every table carries says how many and why, and the figures equal those of
    the intact file less the spoiled rows;
``error``
    the load is refused with a message naming the file (and row and column where there is
    one).

No planted personal value may appear in a message, note or report.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bad_input import (
    CORRECT,
    ERROR,
    REPORTED,
    Case,
    assert_accounted,
    assert_clear_error,
    assert_not_repeated,
    params,
)

from scpb_analysis.blocks.partnership_tables import cctv_by_ward, damarac_by_quarter
from scpb_analysis.core.errors import InputDataError
from scpb_analysis.demo.partnership import DEMO_FILES, write_partnership_demo
from scpb_analysis.reference.wards import ward_reference
from scpb_analysis.sources.partnership import load_all, load_notes, load_partnership

END = pd.Period("2023-05", "M")
TODAY = "2024-01-31"
# Date columns and how the demo writes them.
DATE_COLUMNS = {"cctv": "Date/Time", "asb_cases": "Date Opened", "asb_outcomes": "Outcome Date",
                "fpn": "Date Issued", "community_trigger": "Date Received",
                "csmarac": "Meeting Date", "prevent": "Referral Date",
                "damarac": "Referral Date"}
FORMATS = {source: "%d/%m/%Y %H:%M" if source == "cctv" else "%d/%m/%Y" for source in DATE_COLUMNS}
# Invented personal values planted by the cases (not the demo's, so each case plants its own).
NAME, PHONE, EMAIL = "Olive Planted", "07700 900461", "olive.planted@example.com"
ADDRESS, DOB = "12 Acacia Avenue, London NW9 0ZZ", "14/02/1987"


# ---------------------------------------------------------------------------------------------
# Building the bad exports


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return write_partnership_demo(tmp_path_factory.mktemp("demo"))


def _read(demo: Path, source: str) -> tuple[list[str], list[list[str]]]:
    text = (demo / DEMO_FILES[source]).read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, rows


def _text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def _col(header: list[str], name: str) -> int:
    return header.index(name)


def _sheet_row(index: int) -> int:
    """Spreadsheet row of data row ``index`` (the header is row 1)."""
    return index + 2


def _dates(rows: list[list[str]], header: list[str], source: str) -> pd.Series:
    column = _col(header, DATE_COLUMNS[source])
    return pd.to_datetime(pd.Series([r[column] for r in rows]), format=FORMATS[source])


def _first_index(rows, header, source, where) -> list[int]:
    """Indices of data rows whose date satisfies ``where``."""
    dates = _dates(rows, header, source)
    return [i for i, d in enumerate(dates) if where(d)]


# ---------------------------------------------------------------------------------------------
# Mutations. Each takes (header, rows) of the intact export and returns what to write and what
# to expect: "removed" are indices of intact rows spoiled (so set aside), "set_aside" the
# spreadsheet rows expected in the rejection report, "kind" the kind of reason.


def _swap(text: str) -> str:
    day, month, rest = text[:2], text[3:5], text[5:]
    return f"{month}/{day}{rest}"


def us_dates(source):
    def mutate(header, rows):
        c = _col(header, DATE_COLUMNS[source])
        return {"rows": [r[:c] + [_swap(r[c])] + r[c + 1:] for r in rows]}
    return mutate


def mixed_orders(source):
    def mutate(header, rows):
        c = _col(header, DATE_COLUMNS[source])
        out = [r[:c] + [_swap(r[c]) if i % 2 else r[c]] + r[c + 1:] for i, r in enumerate(rows)]
        day_first = next(i for i, r in enumerate(rows) if i % 2 == 0 and int(r[c][:2]) > 12)
        month_first = next(i for i, r in enumerate(rows) if i % 2 and int(r[c][:2]) > 12)
        return {"rows": out, "error_rows": (_sheet_row(day_first), _sheet_row(month_first)),
                "error_column": DATE_COLUMNS[source]}
    return mutate


def iso_dates(source):
    def mutate(header, rows):
        c = _col(header, DATE_COLUMNS[source])
        dates = _dates(rows, header, source)
        fmt = "%Y-%m-%d %H:%M" if source == "cctv" else "%Y-%m-%d"
        return {"rows": [r[:c] + [d.strftime(fmt)] + r[c + 1:]
                         for r, d in zip(rows, dates, strict=True)]}
    return mutate


def excel_serials(source):
    def mutate(header, rows):
        c = _col(header, DATE_COLUMNS[source])
        dates = _dates(rows, header, source)
        serials = [str((d - pd.Timestamp("1899-12-30")).days) for d in dates]
        return {"rows": [r[:c] + [s] + r[c + 1:] for r, s in zip(rows, serials, strict=True)]}
    return mutate


def set_dates(source, value, kind, n=3, where=lambda d: d.year == 2023):
    """Put ``value`` in the date column of the first ``n`` rows dated as ``where`` says."""
    def mutate(header, rows):
        c = _col(header, DATE_COLUMNS[source])
        picked = _first_index(rows, header, source, where)[:n]
        out = [list(r) for r in rows]
        for i in picked:
            out[i][c] = value
        return {"rows": out, "removed": picked, "set_aside": [_sheet_row(i) for i in picked],
                "kind": kind, "planted": [value] if value == DOB else []}
    return mutate


def set_column(source, column, value, kind, n=2, shown=None, strict=False):
    """Put ``value`` in ``column`` of ``n`` rows: dated March 2023 where there are enough (the
    CCTV ward table's window), else the first rows of the period."""
    def mutate(header, rows):
        c = _col(header, column)
        picked = _first_index(rows, header, source,
                              lambda d: d.to_period("M") == pd.Period("2023-03", "M"))[:n]
        if len(picked) < n:
            picked = _first_index(rows, header, source, lambda d: d.to_period("M") <= END)[:n]
        out = [list(r) for r in rows]
        for i in picked:
            out[i][c] = value
        result = {"rows": out, "removed": picked, "set_aside": [_sheet_row(i) for i in picked],
                  "kind": kind, "planted": [] if shown else [value]}
        if strict:
            result.update(strict=True, error_rows=(_sheet_row(picked[0]),), error_column=column)
        return result
    return mutate


def restyle_column(column, style):
    """Rewrite every value of ``column`` in another case or spacing (still the same value)."""
    def mutate(header, rows):
        c = _col(header, column)
        return {"rows": [r[:c] + [style(r[c])] + r[c + 1:] for r in rows]}
    return mutate


def duplicate_rows(n=5):
    def mutate(header, rows):
        extra = [list(rows[i]) for i in range(0, 10 * n, 10)]
        return {"rows": rows + extra, "set_aside": [_sheet_row(len(rows) + k) for k in range(n)],
                "kind": None}
    return mutate


def duplicate_file(source):
    def mutate(header, rows):
        return {"rows": rows, "copy": True, "set_aside_copy": len(rows),
                "kind": "duplicate " + header[0] if source != "asb_outcomes" else "duplicate row"}
    return mutate


def truncated(header, rows):
    # Cut inside the last record, straight after its first field: the rest never arrived.
    text = _text(header, rows)
    last = text.rstrip("\n").rfind("\n") + 1
    cut = text.index(",", last) + 1
    return {"raw": text[:cut].encode("utf-8"), "removed": [len(rows) - 1],
            "set_aside": [_sheet_row(len(rows) - 1)], "kind": "empty required value"}


def header_only(header, rows):
    return {"rows": [], "empty": True}


def drop_column(column):
    def mutate(header, rows):
        c = _col(header, column)
        return {"header": header[:c] + header[c + 1:], "rows": [r[:c] + r[c + 1:] for r in rows],
                "error_rows": (1,), "error_column": column}
    return mutate


def extra_personal_columns(header, rows):
    added = ["Caller Address", "E-mail", "Free Text"]
    values = [ADDRESS, EMAIL, f"Spoke to {NAME} on {PHONE}"]
    return {"header": header + added, "rows": [r + values for r in rows],
            "planted": [ADDRESS, EMAIL, NAME, PHONE], "dropped": added}


def delimiter(sep):
    def mutate(header, rows):
        return {"raw": _text(header, rows, delimiter=sep).encode("utf-8")}
    return mutate


def encoded(encoding, bom=b""):
    def mutate(header, rows):
        return {"raw": bom + _text(header, rows).encode(encoding)}
    return mutate


def cp1252_location(header, rows):
    c = _col(header, "Camera/Location")
    out = [r[:c] + [r[c].replace("car park", "café car park")] + r[c + 1:] for r in rows]
    return {"raw": _text(header, out).encode("cp1252")}


# ---------------------------------------------------------------------------------------------
# The corpus


def _c(name, outcome, source, mutate, **data):
    return Case("partnership", name, outcome, {"source": source, "mutate": mutate, **data})


def _after_end(d):
    return d.to_period("M") > END


CASES = [
    # --- CCTV control-room log -----------------------------------------------------------
    _c("cctv-us-dates", CORRECT, "cctv", us_dates("cctv")),
    _c("cctv-mixed-date-orders", ERROR, "cctv", mixed_orders("cctv")),
    _c("cctv-iso-dates", CORRECT, "cctv", iso_dates("cctv")),
    _c("cctv-future-dates", REPORTED, "cctv",
       set_dates("cctv", "15/03/2031 14:00", "dated in the future")),
    _c("cctv-after-period-end", REPORTED, "cctv",
       set_dates("cctv", "15/06/2023 14:00", "dated after the period end", n=4)),
    _c("cctv-blank-dates", REPORTED, "cctv", set_dates("cctv", "", "empty required value")),
    _c("cctv-date-without-time", REPORTED, "cctv",
       set_dates("cctv", "15/03/2023", "no time of day", n=2)),
    _c("cctv-misspelt-ward", REPORTED, "cctv",
       set_column("cctv", "Ward", "Edgwar", "unknown ward", shown=True)),
    _c("cctv-other-borough-ward", REPORTED, "cctv",
       set_column("cctv", "Ward", "Hampstead Town", "unknown ward")),
    _c("cctv-ward-case-and-spacing", CORRECT, "cctv",
       restyle_column("Ward", lambda w: "  " + w.upper().replace(" ", "  ") + " ")),
    _c("cctv-type-case-and-spacing", CORRECT, "cctv",
       restyle_column("Incident Type", lambda t: " " + t.lower() + "  ")),
    _c("cctv-unknown-type", REPORTED, "cctv",
       set_column("cctv", "Incident Type", "Vandalism", "unknown incident type", n=3)),
    _c("cctv-duplicated-rows", REPORTED, "cctv", duplicate_rows()),
    _c("cctv-duplicated-file", REPORTED, "cctv", duplicate_file("cctv")),
    _c("cctv-truncated-file", REPORTED, "cctv", truncated),
    _c("cctv-header-only", REPORTED, "cctv", header_only),
    _c("cctv-missing-ward-column", ERROR, "cctv", drop_column("Ward")),
    _c("cctv-extra-personal-columns", CORRECT, "cctv", extra_personal_columns),
    _c("cctv-semicolon-delimiter", ERROR, "cctv", delimiter(";")),
    _c("cctv-tab-delimiter", ERROR, "cctv", delimiter("\t")),
    _c("cctv-utf8-bom", CORRECT, "cctv", encoded("utf-8", b"\xef\xbb\xbf")),
    _c("cctv-windows-1252", CORRECT, "cctv", cp1252_location),
    _c("cctv-utf16", ERROR, "cctv", encoded("utf-16")),
    _c("cctv-name-in-ward", REPORTED, "cctv", set_column("cctv", "Ward", NAME, "unknown ward")),
    _c("cctv-phone-in-type", REPORTED, "cctv",
       set_column("cctv", "Incident Type", PHONE, "unknown incident type")),
    _c("cctv-address-in-mode", REPORTED, "cctv",
       set_column("cctv", "Proactive/Reactive", ADDRESS, "unknown mode (proactive or reactive)")),
    _c("cctv-dob-in-date", REPORTED, "cctv",
       set_dates("cctv", DOB, "dated before 2000", n=2)),
    _c("cctv-strict-name-in-ward", ERROR, "cctv",
       set_column("cctv", "Ward", NAME, "unknown ward", n=1, strict=True)),
    # --- ASB cases ------------------------------------------------------------------------
    _c("asb-cases-us-dates", CORRECT, "asb_cases", us_dates("asb_cases")),
    _c("asb-cases-mixed-date-orders", ERROR, "asb_cases", mixed_orders("asb_cases")),
    _c("asb-cases-excel-serial-dates", CORRECT, "asb_cases", excel_serials("asb_cases")),
    _c("asb-cases-future-dates", REPORTED, "asb_cases",
       set_dates("asb_cases", "01/01/2031", "dated in the future")),
    _c("asb-cases-misspelt-ward", REPORTED, "asb_cases",
       set_column("asb_cases", "Ward", "Colindale", "unknown ward", shown=True)),
    _c("asb-cases-email-in-ward", REPORTED, "asb_cases",
       set_column("asb_cases", "Ward", EMAIL, "unknown ward")),
    _c("asb-cases-blank-dates", REPORTED, "asb_cases",
       set_dates("asb_cases", "", "empty required value", n=2)),
    # --- ASB tools and powers outcomes ----------------------------------------------------
    _c("asb-outcomes-duplicated-rows", REPORTED, "asb_outcomes", duplicate_rows(3)),
    _c("asb-outcomes-duplicated-file", REPORTED, "asb_outcomes", duplicate_file("asb_outcomes")),
    _c("asb-outcomes-case-variants", CORRECT, "asb_outcomes",
       restyle_column("Outcome", lambda o: o.upper() + " ")),
    _c("asb-outcomes-name-as-outcome", REPORTED, "asb_outcomes",
       set_column("asb_outcomes", "Outcome", NAME, "unknown outcome")),
    _c("asb-outcomes-after-period-end", REPORTED, "asb_outcomes",
       set_dates("asb_outcomes", "02/07/2023", "dated after the period end")),
    # --- Prevent --------------------------------------------------------------------------
    _c("prevent-us-dates", CORRECT, "prevent", us_dates("prevent")),
    _c("prevent-excel-serial-dates", CORRECT, "prevent", excel_serials("prevent")),
    _c("prevent-iso-dates", CORRECT, "prevent", iso_dates("prevent")),
    _c("prevent-unknown-ideology", REPORTED, "prevent",
       set_column("prevent", "Ideology", "Left Wing", "unknown ideology")),
    _c("prevent-dob-in-referral-date", REPORTED, "prevent",
       set_dates("prevent", DOB, "dated before 2000", n=2)),
    _c("prevent-blank-dates", REPORTED, "prevent",
       set_dates("prevent", "", "empty required value", n=2)),
    _c("prevent-missing-sex-column", ERROR, "prevent", drop_column("Sex")),
    _c("prevent-strict-phone-in-sex", ERROR, "prevent",
       set_column("prevent", "Sex", PHONE, "unknown sex", n=1, strict=True)),
    # --- DA MARAC ---------------------------------------------------------------------------
    _c("damarac-after-period-end", REPORTED, "damarac",
       set_dates("damarac", "03/06/2023", "dated after the period end", n=5)),
    _c("damarac-future-dates", REPORTED, "damarac",
       set_dates("damarac", "03/06/2030", "dated in the future", n=2)),
    _c("damarac-negative-children", REPORTED, "damarac",
       set_column("damarac", "Children in Household", "-1", "not a whole number of 0 or more",
                  shown=True)),
    _c("damarac-fractional-children", REPORTED, "damarac",
       set_column("damarac", "Children in Household", "1.5", "not a whole number of 0 or more",
                  shown=True)),
    _c("damarac-strict-phone-in-children", ERROR, "damarac",
       set_column("damarac", "Children in Household", PHONE, "not a whole number of 0 or more",
                  n=1, strict=True)),
    _c("damarac-header-only", REPORTED, "damarac", header_only),
    _c("damarac-us-dates", CORRECT, "damarac", us_dates("damarac")),
    # --- CS MARAC, FPNs, Community Trigger ---------------------------------------------------
    _c("csmarac-fractional-counts", REPORTED, "csmarac",
       set_column("csmarac", "New Cases", "2.5", "not a whole number of 0 or more", n=1,
                  shown=True)),
    _c("csmarac-iso-dates", CORRECT, "csmarac", iso_dates("csmarac")),
    _c("fpn-other-borough-ward", REPORTED, "fpn",
       set_column("fpn", "Ward", "Hampstead Town", "unknown ward")),
    _c("fpn-code-variants", CORRECT, "fpn",
       restyle_column("Offence Code", lambda c: c.lower().replace("cst0", "cst "))),
    _c("community-trigger-strict-email-in-decision", ERROR, "community_trigger",
       set_column("community_trigger", "Decision", EMAIL, "unknown decision", n=1,
                  strict=True)),
]


# ---------------------------------------------------------------------------------------------
# Independent figures


def _ward_key(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").replace("'", "").split())


def _expected(header, rows, source, removed=()) -> dict:
    """Monthly counts up to the period end (and CCTV ward counts), with plain pandas."""
    keep = [r for i, r in enumerate(rows) if i not in set(removed)]
    dates = _dates(keep, header, source)
    months = dates.dt.to_period("M")
    in_period = months <= END
    figures = {"months": months[in_period].value_counts().sort_index().to_dict()}
    if source == "cctv":
        reference = ward_reference("Barnet", "2022")
        names = dict(zip(reference["ward_name"].map(_ward_key), reference["ward_name"],
                         strict=True))
        wards = pd.Series([names[_ward_key(r[_col(header, "Ward")])] for r in keep])
        window = months.between(pd.Period("2023-03", "M"), END)
        figures["wards"] = wards[window.to_numpy()].value_counts().sort_index().to_dict()
    return figures


def _got(load, source) -> dict:
    table = load.table
    figures = {"months": table["month"].value_counts().sort_index().to_dict()}
    if source == "cctv":
        by_ward = cctv_by_ward(table, "2023-03", END, "Barnet")
        wards = by_ward[(by_ward["count"] > 0) & (by_ward["ward_name"] != "Grand Total")]
        figures["wards"] = dict(zip(wards["ward_name"], wards["count"].astype(int),
                                    strict=True))
    return figures


# ---------------------------------------------------------------------------------------------
# Running a case


def _build(case: Case, demo: Path, tmp_path: Path) -> tuple[Path, Path, dict, list, list]:
    """Write the bad export; returns (path to load, the file, expectations, header, rows)."""
    source = case.data["source"]
    header, rows = _read(demo, source)
    spec = case.data["mutate"](header, rows)
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / DEMO_FILES[source]
    if "raw" in spec:
        path.write_bytes(spec["raw"])
    else:
        path.write_text(_text(spec.get("header", header), spec["rows"]), encoding="utf-8")
    target = path
    if spec.get("copy"):
        shutil.copyfile(path, folder / f"copy_of_{path.name}")
        target = folder
    return target, path, spec, header, rows


def _load(case, target, strict=False):
    source = case.data["source"]
    if Path(target).is_dir():
        return load_all(target, "Barnet", period_end=END, today=TODAY, strict=strict)[source]
    return load_partnership(target, source,
                            borough="Barnet", period_end=END, today=TODAY, strict=strict)


def _data_rows(path: Path) -> int:
    """Non-blank data rows of the written file, counted from its text."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    return sum(1 for r in lines[1:] if any(c.strip() for c in r))


def _everything_said(load) -> str:
    return "\n".join([*load_notes(load), load.rejected.to_csv(index=False),
                      load.report.to_csv(index=False), load.dropped.to_csv(index=False)])


@pytest.mark.parametrize("case", params(CASES))
def test_partnership_bad_input(case, demo, tmp_path):
    source = case.data["source"]
    target, path, spec, header, rows = _build(case, demo, tmp_path)
    planted = spec.get("planted", [])

    if case.outcome == ERROR:
        with pytest.raises(InputDataError) as excinfo:
            _load(case, target, strict=spec.get("strict", False))
        error_rows = spec.get("error_rows", ())
        message = assert_clear_error(excinfo, path, row=error_rows[-1] if error_rows else None,
                                     column=spec.get("error_column"))
        for row in error_rows:
            assert f"row {row}" in message
        assert_not_repeated(message, *planted)
        if spec.get("strict"):
            # The same file without strict loads, every row accounted for.
            load = _load(case, target)
            assert_accounted(load.rows_read, load.rows_loaded, load.rows_rejected)
            assert load.rows_read == _data_rows(path)
            assert_not_repeated(_everything_said(load), *planted)
        return

    load = _load(case, target)
    assert_accounted(load.rows_read, load.rows_loaded, load.rows_rejected)
    written = _data_rows(path) * (2 if spec.get("copy") else 1)
    assert load.rows_read == written
    said = _everything_said(load)
    assert_not_repeated(said, *planted)
    if spec.get("dropped"):
        assert set(spec["dropped"]) <= set(load.dropped["column"])

    if case.outcome == CORRECT:
        assert load.rows_rejected == 0, load.rejected.head().to_string()
        assert _got(load, source) == _expected(header, rows, source)
        return

    # Reported: exactly the rows spoiled or added are set aside, with the right kind.
    notes = load_notes(load)
    if spec.get("empty"):
        assert load.rows_read == 0 and load.table.empty
        assert any("holds no records" in n for n in notes), notes
        return
    if spec.get("copy"):
        expected_rows = list(range(2, 2 + spec["set_aside_copy"]))
        assert load.report["rows_rejected"].tolist() == [0, spec["set_aside_copy"]]
        got_rows = load.rejected.loc[load.rejected["file"].str.startswith("copy_of_"), "row"]
        assert sorted(set(got_rows)) == expected_rows
        count, read_in_file = spec["set_aside_copy"], spec["set_aside_copy"]
    else:
        expected_rows = spec["set_aside"]
        assert sorted(set(load.rejected["row"])) == expected_rows
        count, read_in_file = len(expected_rows), load.rows_read
    assert load.rows_rejected == count
    firsts = load.rejected.drop_duplicates(["file", "row"])
    kind = spec.get("kind") or (f"duplicate {header[0]}" if source != "asb_outcomes"
                                else "duplicate row")
    assert set(firsts["kind"]) == {kind}
    assert any(f"{count:,} of {read_in_file:,} rows set aside and not counted ({count:,} {kind})"
               in n for n in notes), notes
    assert _got(load, source) == _expected(header, rows, source, spec.get("removed", ()))
    if source == "damarac" and kind == "dated after the period end":
        # The DA MARAC table stops at the period end like every other table.
        assert str(damarac_by_quarter(load.table, end=END)["quarter"].iloc[-1]) == "Q1 2023/24"
