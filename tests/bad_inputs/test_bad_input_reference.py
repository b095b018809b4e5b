"""Bad-input corpus, reference family: the Census population by LSOA and the ONS LSOA lookups.

Each case starts from the real Census 2021 TS007A rows of Barnet and Camden and the real ONS
LSOA (2021) to ward (2022) lookup for Barnet (``../shared/data``), changes one thing, and asks
for Barnet's ward populations (:func:`ward_population`, which reads both). The intact figures are
computed independently with pandas from the real file.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from bad_input import (
    CORRECT,
    ERROR,
    Case,
    assert_accounted,
    assert_clear_error,
    assert_names,
    params,
)
from conftest import SHARED_DATA

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.ward_profiles import ward_population
from scpb_analysis.sources.population import lsoa_population

CENSUS = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
LOOKUP = SHARED_DATA / "lookups" / "barnet_LSOA21_to_WD22_lsoa_ward.csv"
BOROUGHS = ("Barnet ", "Camden ")


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _cut_barnet_tail(lines: list[str]) -> list[str]:
    # A download stopped part way: the last 30 Barnet rows (and what followed) never arrived.
    barnet = [i for i, line in enumerate(lines) if ",Barnet " in line]
    return lines[:barnet[-30]]


def _cut_mid_row(lines: list[str]) -> list[str]:
    return lines[:-1] + [lines[-1][: len(lines[-1]) // 2]]


def _set_cell(row: int, column: int, value: str):
    def change(lines: list[str]) -> list[str]:
        cells = lines[row].split(",")
        cells[column] = value
        return lines[:row] + [",".join(cells)] + lines[row + 1:]
    return change


def _first_barnet(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if ",Barnet " in line)


def _on_barnet(change):
    def apply(lines: list[str]) -> list[str]:
        return change(_first_barnet(lines))(lines)
    return apply


def _drop_column(name: str):
    def change(lines: list[str]) -> list[str]:
        frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str)
        return frame.drop(columns=[name]).to_csv(index=False).splitlines()
    return change


def _swap_columns(lines: list[str]) -> list[str]:
    frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str)
    cols = list(frame.columns)
    cols[4], cols[5] = cols[5], cols[4]
    return frame[cols].to_csv(index=False).splitlines()


def _extra_column(lines: list[str]) -> list[str]:
    return [lines[0] + ",Notes"] + [line + ",checked" for line in lines[1:]]


def _shuffle(lines: list[str]) -> list[str]:
    body = lines[1:]
    return [lines[0], *body[1::2], *body[0::2]]


def _quoted_thousands(lines: list[str]) -> list[str]:
    # Spreadsheet exports write 1,473 as "1,473" (only totals over 999 change).
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        total = int(cells[3])
        cells[3] = f'"{total:,}"' if total > 999 else cells[3]
        out.append(",".join(cells))
    return out


def _spaced_codes(lines: list[str]) -> list[str]:
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[2] = f" {cells[2]} "
        out.append(",".join(cells))
    return out


def _duplicate_row(lines: list[str]) -> list[str]:
    i = _first_barnet(lines)
    return lines[:i + 1] + [lines[i]] + lines[i + 1:]


def _bands_off(lines: list[str]) -> list[str]:
    i = _first_barnet(lines)
    cells = lines[i].split(",")
    cells[3] = str(int(cells[3]) + 1)
    return lines[:i] + [",".join(cells)] + lines[i + 1:]


def _semicolons(lines: list[str]) -> list[str]:
    return [line.replace(",", ";") for line in lines]


def _drop_lookup_row(lines: list[str]) -> list[str]:
    return lines[:5] + lines[6:]


def _lookup_row_twice(lines: list[str]) -> list[str]:
    return lines[:6] + [lines[5]] + lines[6:]


CASES = [
    Case("reference", "intact", CORRECT),
    Case("reference", "byte-order-mark", CORRECT, {"encoding": "utf-8-sig"}),
    Case("reference", "windows-line-endings", CORRECT, {"newline": "\r\n"}),
    Case("reference", "cp1252-encoding", CORRECT, {"encoding": "cp1252"}),
    Case("reference", "unknown-extra-column", CORRECT, {"census": _extra_column}),
    Case("reference", "age-columns-reordered", CORRECT, {"census": _swap_columns}),
    Case("reference", "rows-shuffled", CORRECT, {"census": _shuffle}),
    Case("reference", "totals-with-thousands-separators", CORRECT,
         {"census": _quoted_thousands}),
    Case("reference", "lsoa-codes-padded-with-spaces", CORRECT, {"census": _spaced_codes}),
    Case("reference", "lookup-rows-shuffled", CORRECT, {"lookup": _shuffle}),
    Case("reference", "cut-short-at-a-row-boundary", ERROR,
         {"census": _cut_barnet_tail, "names": ["lacks 30 of the 220 LSOAs",
                                                 "barnet_LSOA21_to_WD22_lsoa_ward.csv"]}),
    Case("reference", "cut-short-mid-row", ERROR,
         {"census": lambda lines: _cut_mid_row(_cut_barnet_tail(lines)), "row": True}),
    Case("reference", "lsoa-row-repeated", ERROR,
         {"census": _duplicate_row, "names": ["appears again"], "row": True,
          "column": "geography code"}),
    Case("reference", "count-not-a-number", ERROR,
         {"census": _on_barnet(lambda i: _set_cell(i, 6, "n/a")), "row": True,
          "column": "Age: Aged 10 to 14 years"}),
    Case("reference", "count-negative", ERROR,
         {"census": _on_barnet(lambda i: _set_cell(i, 6, "-4")), "row": True,
          "column": "Age: Aged 10 to 14 years"}),
    Case("reference", "count-fractional", ERROR,
         {"census": _on_barnet(lambda i: _set_cell(i, 6, "4.5")), "row": True,
          "column": "Age: Aged 10 to 14 years"}),
    Case("reference", "count-blank", ERROR,
         {"census": _on_barnet(lambda i: _set_cell(i, 6, "")), "row": True,
          "column": "Age: Aged 10 to 14 years"}),
    Case("reference", "bands-do-not-add-up", ERROR,
         {"census": _bands_off, "names": ["add up to"]}),
    Case("reference", "age-band-column-missing", ERROR,
         {"census": _drop_column("Age: Aged 30 to 34 years")}),
    Case("reference", "lsoa-names-missing-for-barnet", ERROR,
         {"census": lambda lines: [line.replace(",Barnet ", ",Barnett ") for line in lines],
          "names": ["Barnet"]}),
    Case("reference", "header-only", ERROR,
         {"census": lambda lines: lines[:1], "names": ["has no LSOAs of Barnet"]}),
    Case("reference", "empty-file", ERROR,
         {"census": lambda lines: [], "folder": ["is empty"]}),
    Case("reference", "semicolon-delimited", ERROR,
         {"census": _semicolons, "folder": ["delimited by ';', not commas"]}),
    Case("reference", "total-column-missing", ERROR,
         {"census": _drop_column("Age: Total"), "folder": ["has columns date, geography"]}),
    Case("reference", "lookup-misses-an-lsoa", ERROR,
         {"lookup": _drop_lookup_row, "names": ["does not list",
                                                "barnet_LSOA21_to_WD22_lsoa_ward.csv"]}),
    Case("reference", "lookup-lists-an-lsoa-twice", ERROR,
         {"lookup": _lookup_row_twice, "names": ["listed twice"], "lookup_error": True,
          "row": 7}),
]


@pytest.fixture(scope="module")
def real_files():
    if not CENSUS.exists() or not LOOKUP.exists():
        pytest.skip(f"real public data not found at {SHARED_DATA}: the reference corpus is "
                    "built from ../shared/data (it runs in CI where it is present)")
    with CENSUS.open(encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle]
    census = [lines[0]] + [line for line in lines[1:]
                           if any(f",{b}" in line for b in BOROUGHS)]
    lookup = LOOKUP.read_text(encoding="utf-8-sig").splitlines()
    truth = pd.read_csv(io.StringIO("\n".join(census)), dtype={"geography code": str})
    return {"census": census, "lookup": lookup, "truth": truth}


@pytest.mark.parametrize("case", params(CASES))
def test_reference_case(case: Case, real_files, tmp_path):
    data = tmp_path / "data"
    (data / "population").mkdir(parents=True)
    (data / "lookups").mkdir()
    census = case.data.get("census", lambda lines: lines)(list(real_files["census"]))
    lookup = case.data.get("lookup", lambda lines: lines)(list(real_files["lookup"]))
    newline = case.data.get("newline", "\n")
    census_path = data / "population" / "census2021-ts007a-lsoa.csv"
    census_path.write_bytes(newline.join(census).encode(case.data.get("encoding", "utf-8"))
                            + (newline.encode() if census else b""))
    lookup_path = data / "lookups" / LOOKUP.name
    lookup_path.write_text("\n".join(lookup) + "\n", encoding="utf-8-sig")

    if case.outcome == CORRECT:
        wards = ward_population(data, "Barnet")
        truth = real_files["truth"]
        barnet = truth[truth["geography"].str.startswith("Barnet ")]
        assert int(wards["population"].sum()) == int(barnet["Age: Total"].sum())
        assert int(wards["lsoas"].sum()) == len(barnet) == 220
        assert len(wards) == 24
        # Every row read is loaded (nothing set aside in an intact table).
        read = len(census) - 1
        assert_accounted(read, len(lsoa_population(data)), 0)
        return

    with pytest.raises(InputDataError) as excinfo:
        ward_population(data, "Barnet")
    if case.data.get("folder"):
        # A file not recognised as the Census table: the folder searched, the layout expected
        # and why the file named like it was not taken.
        assert_names(str(excinfo.value), data, census_path, "TS007A", *case.data["folder"])
        return
    named = lookup_path if case.data.get("lookup_error") else census_path
    row = case.data.get("row")
    if row is True:
        row = excinfo.value.row
        assert row is not None and row >= 2, str(excinfo.value)
    message = assert_clear_error(excinfo, named, row=row, column=case.data.get("column"))
    assert_names(message, *case.data.get("names", []))
