"""Tests for the synthetic MPS VAWG offences file of the demo data (``mps/vawg``).

Every expected value is recomputed from the written CSV with the ``csv`` module (no pandas,
no project code), then compared with what the project's reader and blocks make of the file.
"""

from __future__ import annotations

import csv
import shutil
import warnings
from collections import Counter
from pathlib import Path

import pytest

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.demo import DEMO_BOROUGH, MARKER_FILENAME, SYNTHETIC_NOTICE, write_demo_data
from scpb_analysis.demo.common import demo_wards
from scpb_analysis.reference.geography import london_boroughs
from scpb_analysis.sources.mps_extracts import read_vawg_offences

SEED = 20230719
NAME = "MPS VAWG Offences (location)_201804-202502.csv"
HEADER = ["BCU Location", "Borough Name", "Ward Name Clean 2", "Recorded Date (Months)",
          "Date Committed From Date (Months)", "Count"]
OLD_WARD = "Colindale"


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    out, (year, month) = [], first
    while (year, month) <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return out


DEMO_MONTHS = _months((2018, 4), (2025, 2))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo_data(out, seed=SEED)
    return out


@pytest.fixture(scope="module")
def rows(root: Path) -> list[dict[str, str]]:
    with (root / "mps" / "vawg" / NAME).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def vawg(root: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_vawg_offences(root / "mps" / "vawg")


def _delay(row: dict[str, str]) -> int | None:
    """Whole months from committed to recorded, None where the file gives no month."""
    committed = row["Date Committed From Date (Months)"]
    if committed in ("", "1900-01-01"):
        return None
    ry, rm = map(int, row["Recorded Date (Months)"][:7].split("-"))
    cy, cm = map(int, committed[:7].split("-"))
    return (ry - cy) * 12 + rm - cm


def test_file_in_the_publishers_layout(root: Path, rows: list[dict[str, str]]) -> None:
    folder = root / "mps" / "vawg"
    assert sorted(p.name for p in folder.iterdir()) == [NAME, MARKER_FILENAME]
    raw = (folder / NAME).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert raw.split(b"\n", 1)[0].decode() == ",".join(HEADER)
    marker = (folder / MARKER_FILENAME).read_text(encoding="utf-8")
    assert marker.splitlines()[0] == SYNTHETIC_NOTICE and str(SEED) in marker
    # As the real file: zero rows left out, one row per key, months as first-of-month dates.
    assert all(int(r["Count"]) > 0 for r in rows)
    keys = Counter(tuple(r[h] for h in HEADER[:5]) for r in rows)
    assert max(keys.values()) == 1
    assert all(r["Recorded Date (Months)"].endswith("-01") for r in rows)
    bcu = dict(zip(london_boroughs()["borough"], london_boroughs()["bcu"], strict=True))
    bcu["Other"] = "Other"
    assert all(r["BCU Location"] == bcu[r["Borough Name"]] for r in rows)


def test_read_without_error_or_warning(vawg, rows: list[dict[str, str]]) -> None:
    # The fixture turns warnings into errors: an incomplete-month warning would fail here.
    assert int(vawg["count"].sum()) == sum(int(r["Count"]) for r in rows)
    assert set(vawg["source_file"]) == {NAME}
    # The only note is the undated offences, with the counts the file holds.
    undated = [r for r in rows if _delay(r) is None]
    placeholder = [r for r in undated if r["Date Committed From Date (Months)"] == "1900-01-01"]
    assert len(placeholder) > 0 and len(undated) > len(placeholder)
    (note,) = vawg.attrs["set_aside"]
    assert note.startswith(f"{len(undated):,} rows ({sum(int(r['Count']) for r in undated):,} "
                           f"offences) give no month committed ({len(placeholder):,} of them")


def test_every_borough_and_every_demo_month(vawg, rows: list[dict[str, str]]) -> None:
    boroughs = set(london_boroughs()["borough"])
    assert len(boroughs) == 32
    assert {r["Borough Name"] for r in rows} == boroughs | {"Other"}
    assert set(vawg.loc[vawg["area_type"] == "borough", "borough"]) == boroughs
    assert set(vawg.loc[vawg["area_type"] != "borough", "borough"]) == {"Other"}
    for borough in boroughs | {"Other"}:
        held = {r["Recorded Date (Months)"][:7] for r in rows if r["Borough Name"] == borough}
        assert held == set(DEMO_MONTHS), borough
    assert [str(m) for m in vawg.attrs["months"]] == [DEMO_MONTHS[0], DEMO_MONTHS[-1]]


def test_demo_borough_monthly_totals_match_the_file(vawg, rows: list[dict[str, str]]) -> None:
    expected: Counter[str] = Counter()
    for r in rows:
        if r["Borough Name"] == DEMO_BOROUGH:
            expected[r["Recorded Date (Months)"][:7]] += int(r["Count"])
    own = vawg[vawg["borough"] == DEMO_BOROUGH]
    got = own.groupby(own["month"].astype(str))["count"].sum().to_dict()
    assert got == dict(expected)
    assert list(expected) == DEMO_MONTHS


def test_volumes_season_and_trend(rows: list[dict[str, str]]) -> None:
    by_year: Counter[int] = Counter()
    by_month: Counter[int] = Counter()
    other = london = 0
    for r in rows:
        n = int(r["Count"])
        if r["Borough Name"] == "Other":
            other += n
            continue
        london += n
        if r["Borough Name"] == DEMO_BOROUGH:
            year, month = map(int, r["Recorded Date (Months)"][:7].split("-"))
            by_year[year] += n
            by_month[month] += n
    # About 4,000 a year in the demo borough, rising mildly.
    assert all(3500 < by_year[y] < 4600 for y in range(2019, 2025))
    assert by_year[2019] < by_year[2021] < by_year[2024]
    # More in summer (June-August) than in winter (December-February), per month held.
    summer = sum(by_month[m] for m in (6, 7, 8)) / (3 * 7)
    winter = sum(by_month[m] for m in (12, 1, 2)) / (3 * 7)
    assert summer > 1.05 * winter
    # "Other" is a small share of London's offences.
    assert 0 < other < 0.05 * london


def test_month_committed_mix(rows: list[dict[str, str]]) -> None:
    """Same month ~80%, 1-2 months ~9%, 3-11 ~5%, 12-59 ~4%, 60 or more ~2% of the dated."""
    bands = Counter()
    for r in rows:
        delay = _delay(r)
        if delay is None:
            continue
        assert delay >= 0, r
        band = next(i for i, top in enumerate((0, 2, 11, 59, 10**6)) if delay <= top)
        bands[band] += int(r["Count"])
    total = sum(bands.values())
    for band, target in enumerate((0.80, 0.09, 0.05, 0.04, 0.02)):
        assert abs(bands[band] / total - target) < 0.01, (band, bands[band] / total)


def test_same_seed_gives_byte_identical_files(root: Path, tmp_path: Path) -> None:
    again = write_demo_data(tmp_path / "a", seed=SEED) / "vawg" / NAME
    assert again.read_bytes() == (root / "mps" / "vawg" / NAME).read_bytes()
    other = write_demo_data(tmp_path / "b", seed=SEED + 1) / "vawg" / NAME
    assert other.read_bytes() != again.read_bytes()


def test_delay_bands_are_computed(vawg, rows: list[dict[str, str]]) -> None:
    from scpb_analysis.blocks.vawg import DELAY_BANDS, vawg_reporting_delay

    table = vawg_reporting_delay(vawg, DEMO_BOROUGH, "2023-05").table
    assert (table["status"] == "computed").all()
    own = table[table["area"] == DEMO_BOROUGH].set_index("band")
    window = set(_months((2022, 6), (2023, 5)))
    recorded = [r for r in rows if r["Borough Name"] == DEMO_BOROUGH
                and r["Recorded Date (Months)"][:7] in window]
    assert own.loc["all recorded", "count"] == sum(int(r["Count"]) for r in recorded)
    for label, first, last in DELAY_BANDS:
        n = sum(int(r["Count"]) for r in recorded if (d := _delay(r)) is not None
                and first <= d and (last is None or d <= last))
        assert own.loc[label, "count"] == n > 0, label


@pytest.fixture(scope="module")
def pack(root: Path):
    from scpb_analysis.pack.data import open_pack_data

    return open_pack_data(root, DEMO_BOROUGH, "2023-05", cache_dir=None)


def test_ward_rows_place_all_but_old_and_no_ward(vawg, rows, pack) -> None:
    from scpb_analysis.blocks.vawg import vawg_ward_rows

    ward_rows = vawg_ward_rows(vawg, DEMO_BOROUGH, pack.wards())
    own = [r for r in rows if r["Borough Name"] == DEMO_BOROUGH]
    names = {name for name, _ in demo_wards()}
    old = sum(int(r["Count"]) for r in own if r["Ward Name Clean 2"] == OLD_WARD)
    blank = sum(int(r["Count"]) for r in own if r["Ward Name Clean 2"] == "")
    placed = sum(int(r["Count"]) for r in own if r["Ward Name Clean 2"] in names)
    assert old > 0 and blank > 0
    assert placed + old + blank == sum(int(r["Count"]) for r in own)
    assert int(ward_rows["count"].sum()) == placed
    assert set(ward_rows["area_code"]) == {code for _, code in demo_wards()}
    (note,) = ward_rows.attrs["set_aside"]
    assert note.startswith(f"{old:,} VAWG offence{'' if old == 1 else 's'} in {DEMO_BOROUGH} on "
                           "ward names the map "
                           f"does not hold ({OLD_WARD}: {old}) and {blank} with no ward")


def test_persistent_hotspots_find_a_persistent_ward(vawg, pack) -> None:
    from scpb_analysis.blocks.sv_places import persistent_hotspots
    from scpb_analysis.blocks.vawg import VAWG_INDICATOR, vawg_ward_rows

    ward_rows = vawg_ward_rows(vawg, DEMO_BOROUGH, pack.wards())
    block = persistent_hotspots(ward_rows, pack.wards(), pack.ward_population(), "2023-05",
                                [VAWG_INDICATOR], n_windows=5)
    table = block.table
    assert (table["windows_used"] == 5).all()
    persistent = table.loc[table["persistence"] == "persistent", "ward_name"]
    assert len(persistent) >= 1
    # The wards given well over their share are among them.
    assert {"Burnt Oak", "West Hendon"} <= set(persistent)


def test_a_doubled_or_gapped_copy_is_refused(root: Path, tmp_path: Path) -> None:
    """The reader's refusals hold on the demo file: two copies, and a month taken out."""
    source = root / "mps" / "vawg" / NAME
    twice = tmp_path / "twice"
    twice.mkdir()
    shutil.copy(source, twice / NAME)
    shutil.copy(source, twice / "copy.csv")
    with pytest.raises(InputDataError, match="more than one VAWG offences file"):
        read_vawg_offences(twice)
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    gapped = tmp_path / NAME
    gapped.write_text("".join(line for line in lines if line.split(",")[3] != "2020-06-01"),
                      encoding="utf-8")
    with pytest.raises(InputDataError, match="holds no offences recorded in"):
        read_vawg_offences(gapped)
