"""Violence comparators: ONS Table C2 read from its CSV with the csv module, residents from
the Census 2021 TS007A CSV placed in local authorities by the ONS 2024 lookup; intervals are
Byar's, written out with scipy.
"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.sv_comparators import ONS_VIOLENCE_OFFENCES, ons_violence_rates

TS007A = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
LOOKUP = (SHARED_DATA / "lookups" / "LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_Best_Fit_"
          "Lookup_in_EW.csv")
ONS = SHARED_DATA / "ons" / "police-recorded-crime-by-csp_ye-2025-06_table-c2.csv"
BARNET = "E09000003"


def _need(*paths) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _byar(count: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import norm

    z = norm.ppf(1 - (1 - level) / 2)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return lower, upper


def _fingertips(lower: float, upper: float, benchmark: float) -> str:
    return "Similar" if lower <= benchmark <= upper else ("Better" if upper < benchmark
                                                         else "Worse")


@pytest.fixture(scope="module")
def residents() -> pd.Series:
    """Census 2021 usual residents by local authority code (every LSOA of England and Wales)."""
    _need(TS007A, LOOKUP)
    census = pd.read_csv(TS007A, encoding="utf-8-sig")
    # The 2024 lookup: Somerset's districts became one authority (E06000066) in 2023.
    lookup = pd.read_csv(LOOKUP, encoding="utf-8-sig", dtype=str)
    lad = lookup.drop_duplicates("LSOA21CD").set_index("LSOA21CD")["LAD24CD"]
    census["lad"] = census["geography code"].map(lad)
    return census.groupby("lad")["Age: Total"].sum()


# -- ONS Table C2 -------------------------------------------------------------------------


def _ons_rows() -> tuple[list[str], list[list[str]]]:
    _need(ONS)
    with ONS.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    start = next(i for i, r in enumerate(lines) if r and r[0].startswith("Police Force"))
    header = [" ".join(c.split()) for c in lines[start]]
    return header, [r for r in lines[start + 1:] if r and r[0].strip()]


def _number(cell: str) -> int | None:
    cell = cell.strip().replace(",", "")
    return int(cell) if cell.isdigit() else None


@pytest.mark.parametrize(("area", "la"), [("Barnet", BARNET), ("Bristol, City of", "E06000023")])
def test_ons_rates_match_the_table_c2_csv(area, la, residents):
    from scpb_analysis.pack.data import open_pack_data

    header, rows = _ons_rows()
    col = {name: i for i, name in enumerate(header)}
    own = next(r for r in rows if r[col["Community Safety Partnership name"]].strip() == area)
    force_code = own[col["Police Force Area code"]]
    def is_force(r):  # a force's own row: no CSP code and no name (not "Unassigned ...")
        return not (r[col["Community Safety Partnership code"]].strip()
                    or r[col["Community Safety Partnership name"]].strip())

    force = next(r for r in rows if r[col["Police Force Area code"]] == force_code
                 and is_force(r))
    force_las = {r[col["Local Authority code"]].strip() for r in rows
                 if r[col["Police Force Area code"]] == force_code
                 and r[col["Community Safety Partnership code"]].strip()}
    forces = [r for r in rows if is_force(r)]
    with_row = {r[col["Police Force Area code"]] for r in forces}
    # A force without its own row (the City of London) counts through its CSP rows.
    others = [r for r in rows if r[col["Police Force Area code"]] not in with_row]
    ew_pop = int(residents[residents.index.str[0].isin(["E", "W"])].sum())
    force_pop = int(residents[sorted(force_las)].sum())
    pop = int(residents[la])

    data = open_pack_data(SHARED_DATA, area, "2024-12" if la != BARNET else "2023-05",
                          cache_dir=None)
    out = ons_violence_rates(data.csp_crime(), data.la_population(), area, data.period_end)
    assert out.heading == "Against the police force and England and Wales, year ending June " \
                          "2025 (ONS)"
    assert "a different 12 months from the rest of this page" in out.text
    table = out.table.set_index("offence")
    assert list(table.index) == list(ONS_VIOLENCE_OFFENCES)
    names = {"violence_with_injury": "Violence with injury", "robbery": "Robbery",
             "sexual_offences": "Sexual offences", "homicide": "Homicide"}
    for offence, label in names.items():
        count = _number(own[col[label]])
        force_count = _number(force[col[label]])
        ew = (sum(_number(r[col[label]]) for r in forces)
              + sum(_number(r[col[label]]) or 0 for r in others))
        row = table.loc[offence]
        assert int(row["count"]) == count and int(row["force_count"]) == force_count
        assert int(row["ew_count"]) == ew
        assert (row["population"], row["ew_population"]) == (pop, ew_pop)
        assert row["force_population"] == force_pop
        assert row["rate"] == pytest.approx(count / pop * 1000)
        if count >= 10:
            lower, upper = (v / pop * 1000 for v in _byar(count))
            assert (row["lower"], row["upper"]) == (pytest.approx(lower), pytest.approx(upper))
            assert row["vs_england_and_wales"] == _fingertips(lower, upper, ew / ew_pop * 1000)
            assert row["vs_force"] == _fingertips(lower, upper,
                                                  force_count / force_pop * 1000)
    verdicts = table["vs_england_and_wales"]
    for verdict in ("Worse", "Similar", "Better"):
        listed = verdicts[verdicts == verdict].index
        if len(listed):
            assert (f"{verdict.lower()} for "
                    + str(table.loc[listed[0], "offence_name"]).lower()) in out.text


def test_ons_gaps_are_stated():
    out = ons_violence_rates(None, None, "Barnet", "2023-05")
    assert not out.available and out.table is None
    assert "Table C2" in out.text
    crime = pd.DataFrame({"force_code": ["E23000036"] * 2, "force_name": ["Avon and Somerset"] * 2,
                          "csp_code": [None, "E22000002"], "csp_name": [None, "Bristol, City of"],
                          "la_code": [None, "E06000023"], "level": ["force", "csp"],
                          "offence": "robbery", "offence_name": "Robbery",
                          "count": pd.array([1_500, 1_300], dtype="Int64"),
                          "period": "year ending June 2025",
                          "period_end": pd.Period("2025-06", "M")})
    people = pd.DataFrame({"la_code": ["E06000023", "K04000001"],
                           "population": [470_000, 59_600_000]})
    out = ons_violence_rates(crime, people, "Barnet", "2025-06", offences=["robbery"])
    assert not out.available and "no CSP 'Barnet'" in out.text and "Table C2" in out.text
    out = ons_violence_rates(crime, people, "Bristol, City of", "2025-06", offences=["robbery"])
    assert "the same 12 months as this page" in out.text
    with pytest.raises(ValueError, match="not in the ONS table"):
        ons_violence_rates(crime, people, "Bristol, City of", "2025-06", offences=["arson"])
