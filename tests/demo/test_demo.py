"""Tests for the synthetic MPS demo files written by ``scpb_analysis.demo``."""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.demo import (
    DEMO_BOROUGH,
    MARKER_FILENAME,
    SYNTHETIC_NOTICE,
    write_demo_data,
)
from scpb_analysis.reference.taxonomy import map_category

SEED = 20230719
AIRPORTS = "London Heathrow and London City Airports"
REAL_MPS = SHARED_DATA / "mps"

OLD_HIST = "borough/to-202307/MPS Borough Level Crime (Historical)_201804-202107.csv"
OLD_RECENT = "borough/to-202307/MPS Borough Level Crime (most recent 24 months)_202108-202307.csv"
NEW_HIST = "borough/to-202502/MPS Borough Level Crime (Historical)_201804-202302.csv"
NEW_RECENT = "borough/to-202502/MPS Borough Level Crime (most recent 24 months)_202303-202502.csv"
WARD = "ward/MPS Ward Level Crime (most recent 24 months)_202303-202502_wards2022.csv"
WARD_EARLY = "ward/MPS Ward Level Crime (most recent 24 months)_202202-202401_wards2022.csv"
CSV_FILES = (OLD_HIST, OLD_RECENT, NEW_HIST, NEW_RECENT, WARD, WARD_EARLY)
DASHBOARD = "dashboard/MPS Monthly Crime Dashboard Data_202104-202502.csv"
VAWG = "vawg/MPS VAWG Offences (location)_201804-202502.csv"
MARKER_FOLDERS = ("", "borough", "borough/to-202307", "borough/to-202502", "ward", "dashboard",
                  "vawg")

# (file, label columns, first month, last month)
LAYOUTS = {
    OLD_HIST: (["MajorText", "MinorText", "LookUp_BoroughName"], 201804, 202107),
    OLD_RECENT: (["MajorText", "MinorText", "LookUp_BoroughName"], 202108, 202307),
    NEW_HIST: (["MajorText", "MinorText", "BoroughName"], 201804, 202302),
    NEW_RECENT: (["MajorText", "MinorText", "BoroughName"], 202303, 202502),
    WARD: (
        ["MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName"],
        202303,
        202502,
    ),
    WARD_EARLY: (
        ["MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName"],
        202202,
        202401,
    ),
}

RARE_TITLE = ("Homicide", "Bigamy", "Aiding Suicide", "Wildlife Crime", "Violent Disorder")


def _months(first: int, last: int) -> list[str]:
    out, ym = [], first
    while ym <= last:
        out.append(str(ym))
        year, month = divmod(ym, 100)
        ym = ym + 1 if month < 12 else (year + 1) * 100 + 1
    return out


def _boroughs() -> list[str]:
    ref = resources.files("scpb_analysis.reference").joinpath("london_boroughs.csv")
    with ref.open("r", encoding="utf-8", newline="") as handle:
        return [row["borough"] for row in csv.DictReader(handle)]


def _month_cols(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if re.fullmatch(r"\d{6}", c)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_data(tmp_path_factory.mktemp("demo"), seed=SEED)


@pytest.fixture(scope="module")
def frames(demo: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(demo / name, dtype=str, keep_default_na=False) for name in CSV_FILES}


def _counts(df: pd.DataFrame, area_col: str, area: str) -> pd.DataFrame:
    rows = df[df[area_col] == area].set_index("MinorText")
    return rows[_month_cols(df)].astype(int)


def _snapshot(mps: Path) -> dict[str, bytes]:
    return {p.relative_to(mps).as_posix(): p.read_bytes() for p in mps.rglob("*") if p.is_file()}


def test_writes_exactly_the_expected_files(tmp_path: Path) -> None:
    mps = write_demo_data(str(tmp_path / "out"))
    assert mps == tmp_path / "out" / "mps"
    expected = set(CSV_FILES) | {DASHBOARD, VAWG} | {f"{d}/{MARKER_FILENAME}".lstrip("/")
                                               for d in MARKER_FOLDERS}
    assert set(_snapshot(mps)) == expected


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = _snapshot(write_demo_data(tmp_path / "a", seed=SEED))
    second = _snapshot(write_demo_data(tmp_path / "b", seed=SEED))
    assert first == second
    other = _snapshot(write_demo_data(tmp_path / "c", seed=SEED + 1))
    assert other.keys() == first.keys()
    assert other[OLD_RECENT] != first[OLD_RECENT]


def test_files_are_small(tmp_path: Path) -> None:
    mps = write_demo_data(tmp_path)
    for name in CSV_FILES:
        assert 0 < (mps / name).stat().st_size < 1_000_000


def test_marker_in_every_folder(demo: Path) -> None:
    folders = {p for p in demo.rglob("*") if p.is_dir()} | {demo}
    assert folders == {demo / d if d else demo for d in MARKER_FOLDERS}
    for folder in folders:
        text = (folder / MARKER_FILENAME).read_text(encoding="utf-8")
        assert text.splitlines()[0] == SYNTHETIC_NOTICE
        assert str(SEED) in text


def test_dashboard_extract_in_the_published_layout(demo: Path) -> None:
    """The demo extract: the published columns, only rows with a count (as the real extract),
    every month 2021-04..2025-02, and every subgroup in the taxonomy."""
    from scpb_analysis.sources.mps import read_mps_crime

    raw = pd.read_csv(demo / DASHBOARD, dtype=str, keep_default_na=False)
    assert raw.columns.tolist() == [
        "Month_Year", "Area Type", "Borough_SNT", "Area name", "Area code", "Offence Group",
        "Offence Subgroup", "Measure", "Financial Year", "FY_FYIndex", "Count", "Refresh Date"]
    assert (raw["Count"].astype(int) > 0).all()
    months = sorted({f"{m[6:]}{m[3:5]}" for m in raw["Month_Year"]})
    assert months == _months(202104, 202502)
    assert set(raw["Borough_SNT"]) == set(_boroughs())
    for group, subgroup in raw[["Offence Group", "Offence Subgroup"]].drop_duplicates().values:
        assert map_category(group, subgroup) is not None
    load = read_mps_crime(demo / "dashboard")
    assert load.synthetic and load.files.loc[0, "scheme"] == "mps_dashboard"
    assert load.table.loc[~load.table["zero_filled"], "count"].sum() == raw["Count"].astype(
        int).sum()


@pytest.mark.parametrize("name", CSV_FILES)
def test_header_and_months(demo: Path, name: str) -> None:
    raw = (demo / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    labels, first, last = LAYOUTS[name]
    header = raw.split(b"\n", 1)[0].decode("utf-8").split(",")
    assert header == labels + _months(first, last)


@pytest.mark.parametrize("name", CSV_FILES)
def test_counts_are_non_negative_integers(demo: Path, name: str) -> None:
    with (demo / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    n_labels = len(LAYOUTS[name][0])
    assert len(rows) > 1
    for row in rows[1:]:
        assert len(row) == len(rows[0])
        assert all(re.fullmatch(r"\d+", value) for value in row[n_labels:]), row[:n_labels]


@pytest.mark.parametrize(
    ("name", "extra_areas", "n_pairs"),
    [
        (OLD_HIST, [AIRPORTS], 55),
        (OLD_RECENT, [AIRPORTS], 55),
        (NEW_HIST, [AIRPORTS, "Unknown"], 28),
        (NEW_RECENT, [AIRPORTS, "Unknown"], 31),
    ],
)
def test_borough_rows_cover_all_areas_in_real_order(
    frames: dict[str, pd.DataFrame], name: str, extra_areas: list[str], n_pairs: int
) -> None:
    df = frames[name]
    area_col = LAYOUTS[name][0][2]
    assert set(df[area_col]) == set(_boroughs()) | set(extra_areas)
    pairs = set(zip(df.MajorText, df.MinorText, strict=True))
    assert len(pairs) == n_pairs
    assert len(df) == n_pairs * df[area_col].nunique()
    keys = list(zip(df[area_col], df.MajorText, df.MinorText, strict=True))
    assert keys == sorted(keys)
    upper = name.startswith("borough/to-202502")
    assert all((m == m.upper()) == upper for m, _ in pairs)


def test_title_case_labels_keep_real_spellings(demo: Path) -> None:
    text = (demo / OLD_RECENT).read_text(encoding="utf-8")
    assert (
        'Miscellaneous Crimes Against Society,"Disclosure, Obstruction, False or Misleading '
        'State",Barnet,' in text
    )
    assert "\nBurglary,Domestic Burglary,Barnet," in text


@pytest.mark.skipif(
    not REAL_MPS.is_dir(),
    reason=f"real public data not found at {REAL_MPS}: this test reads ../shared/data beside "
    "the repository (or $SCPB_SHARED_DATA)",
)
@pytest.mark.parametrize(
    ("name", "real"),
    [
        (OLD_RECENT, "borough/to-202307/*most recent 24 months*.csv"),
        (NEW_HIST, "borough/to-202502/*Historical*.csv"),
        (NEW_RECENT, "borough/to-202502/*most recent 24 months*.csv"),
        (WARD, "ward/*_202304-202503_wards2022.csv"),
    ],
)
def test_categories_match_the_real_publication(
    frames: dict[str, pd.DataFrame], name: str, real: str
) -> None:
    (real_path,) = REAL_MPS.glob(real)
    real_df = pd.read_csv(real_path, usecols=["MajorText", "MinorText"], dtype=str)
    df = frames[name]
    assert set(zip(df.MajorText, df.MinorText, strict=True)) == set(
        zip(real_df.MajorText, real_df.MinorText, strict=True)
    )


def test_barnet_magnitudes(frames: dict[str, pd.DataFrame]) -> None:
    old = _counts(frames[OLD_RECENT], "LookUp_BoroughName", DEMO_BOROUGH).mean(axis=1)
    new = _counts(frames[NEW_RECENT], "BoroughName", DEMO_BOROUGH).mean(axis=1)
    residential_new = new["BURGLARY IN A DWELLING"] + new["BURGLARY - RESIDENTIAL"]
    checks = {
        "residential burglary": ([old["Domestic Burglary"], residential_new], 130, 200),
        "violence with injury": (
            [old["Violence with Injury"], new["VIOLENCE WITH INJURY"]],
            180,
            220,
        ),
        "robbery of personal property": (
            [old["Robbery of Personal Property"], new["ROBBERY OF PERSONAL PROPERTY"]],
            40,
            70,
        ),
        "non-residential burglary": (
            [old["Burglary Business and Community"], new["BURGLARY BUSINESS AND COMMUNITY"]],
            40,
            70,
        ),
    }
    for what, (means, low, high) in checks.items():
        for mean in means:
            assert low <= mean <= high, (what, mean)


def test_london_totals_in_real_ballpark(frames: dict[str, pd.DataFrame]) -> None:
    df = frames[OLD_RECENT]
    counts = df[_month_cols(df)].astype(int)
    london = counts.groupby(df.MinorText).sum().sum(axis=1) / 24
    assert 5_000 < london["Violence with Injury"] < 8_000
    assert 2_500 < london["Domestic Burglary"] < 4_000
    assert 8_000 < london["Other Theft"] < 13_000
    assert london["Homicide"] < 20
    westminster = _counts(df, "LookUp_BoroughName", "Westminster").sum(axis=1)
    barnet = _counts(df, "LookUp_BoroughName", DEMO_BOROUGH).sum(axis=1)
    airports = _counts(df, "LookUp_BoroughName", AIRPORTS).sum(axis=1)
    assert westminster["Theft from Person"] > 5 * barnet["Theft from Person"]
    assert airports.sum() < 0.2 * barnet.sum()


def test_feb_2024_burglary_recoding(frames: dict[str, pd.DataFrame]) -> None:
    df = frames[NEW_RECENT]
    months = _month_cols(df)
    before = [m for m in months if m < "202402"]
    after = [m for m in months if m > "202402"]
    by = df.set_index(["BoroughName", "MinorText"])[months].astype(int)
    dwelling = by.xs("BURGLARY IN A DWELLING", level="MinorText")
    residential = by.xs("BURGLARY - RESIDENTIAL", level="MinorText")
    non_dwelling = by.xs("BURGLARY NON-DWELLING", level="MinorText")
    business = by.xs("BURGLARY BUSINESS AND COMMUNITY", level="MinorText")
    assert (dwelling[after] == 0).all().all()
    assert (residential[before] == 0).all().all()
    assert (non_dwelling[before] == 0).all().all()
    assert non_dwelling[["202402", *after]].to_numpy().max() <= 2
    boroughs = _boroughs()
    assert (dwelling.loc[boroughs, before] > 0).all().all()
    assert (residential.loc[boroughs, after] > 0).all().all()
    assert (dwelling.loc[boroughs, "202402"] > 0).all()
    assert (residential.loc[boroughs, "202402"] > 0).all()
    assert (business.loc[boroughs] > 0).all().all()
    # Feb 2024 is one month of residential burglary, not two: level with its neighbours.
    feb = dwelling["202402"] + residential["202402"]
    neighbours = (dwelling["202401"] + residential["202403"]) / 2
    assert 0.7 < feb.loc[boroughs].sum() / neighbours.loc[boroughs].sum() < 1.15
    hist = frames[NEW_HIST]
    assert "BURGLARY - RESIDENTIAL" not in set(hist.MinorText)


def _vintages(frames: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old (Title-Case) and new (UPPER-CASE) borough series on the months both publish."""
    old = pd.concat(
        [
            frames[OLD_HIST].set_index(["LookUp_BoroughName", "MajorText", "MinorText"]),
            frames[OLD_RECENT].set_index(["LookUp_BoroughName", "MajorText", "MinorText"]),
        ],
        axis=1,
    ).astype(int)
    new = pd.concat(
        [
            frames[NEW_HIST].set_index(["BoroughName", "MajorText", "MinorText"]),
            frames[NEW_RECENT].set_index(["BoroughName", "MajorText", "MinorText"]),
        ],
        axis=1,
    )
    new = new[list(old.columns)].fillna("0").astype(int)
    new.index.names = old.index.names
    return old, new


def _by_indicator(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows summed per (area, canonical indicator), using the taxonomy, not the demo's own map."""
    majors = frame.index.get_level_values("MajorText")
    minors = frame.index.get_level_values("MinorText")
    indicators = [map_category(a, b) for a, b in zip(majors, minors, strict=True)]
    assert None not in indicators
    areas = frame.index.get_level_values(0)
    return frame.groupby([areas, pd.Index(indicators, name="MinorText")]).sum()


def test_restated_history_is_close_but_revised(frames: dict[str, pd.DataFrame]) -> None:
    old, new = _vintages(frames)
    old_mapped = _by_indicator(old)
    new_common = new[new.index.get_level_values(0) != "Unknown"]
    # Labels born with CONNECT are empty on every month the old vintage published.
    connect_only = new_common.index.get_level_values("MinorText").isin(
        ["BURGLARY - RESIDENTIAL", "BURGLARY NON-DWELLING", "NFIB"]
    )
    assert (new_common[connect_only] == 0).all().all()
    new_common = _by_indicator(new_common[~connect_only])
    assert set(new_common.index) == set(old_mapped.index)
    new_common = new_common.loc[old_mapped.index]

    per_category_old = old_mapped.groupby(level="MinorText").sum().sum(axis=1)
    per_category_new = new_common.groupby(level="MinorText").sum().sum(axis=1)
    big = per_category_old[per_category_old >= 100].index
    assert len(big) >= 20
    rel = (per_category_new[big] - per_category_old[big]).abs() / per_category_old[big]
    assert rel.max() <= 0.05, rel.sort_values().tail()

    diff = (new_common - old_mapped).to_numpy()
    base = old_mapped.to_numpy()
    assert (diff != 0).mean() > 0.1
    assert (diff == 0).mean() > 0.2
    # Cell revisions are within 3% (plus rounding), so collapsed categories stay consistent.
    assert (abs(diff) <= 0.03 * base + 0.5).all()
    substantial = base >= 50
    assert (diff[substantial] != 0).any()


def test_rare_categories_are_mostly_zero(frames: dict[str, pd.DataFrame]) -> None:
    old, _ = _vintages(frames)
    for minor in RARE_TITLE:
        values = old.xs(minor, level="MinorText").to_numpy().ravel()
        assert values.size == 33 * 64, minor
        assert (values == 0).mean() > 0.6, minor
        assert (values <= 3).mean() > 0.99, minor
        assert values.max() <= 6, minor
    new = frames[NEW_RECENT]
    for minor in ("HOMICIDE", "VIOLENT DISORDER", "NFIB", "FRAUD AND FORGERY"):
        values = new.loc[new.MinorText == minor, _month_cols(new)].astype(int).to_numpy()
        assert (values == 0).mean() > 0.6, minor


def test_ward_file_is_barnets_24_wards(frames: dict[str, pd.DataFrame]) -> None:
    df = frames[WARD]
    ref = resources.files("scpb_analysis.reference").joinpath("barnet_wards_2022.csv")
    with ref.open("r", encoding="utf-8", newline="") as handle:
        wards = list(csv.DictReader(handle))
    assert len(wards) == 24
    assert set(df.LookUp_BoroughName) == {DEMO_BOROUGH}
    assert set(zip(df.WardCode, df.WardName, strict=True)) == {
        (w["ward_code"], w["ons_ward_name"]) for w in wards
    }
    assert len(df) == 24 * 31
    keys = list(zip(df.WardName, df.MajorText, df.MinorText, strict=True))
    assert keys == sorted(keys)
    upper = frames[NEW_RECENT]
    assert set(zip(df.MajorText, df.MinorText, strict=True)) == set(
        zip(upper.MajorText, upper.MinorText, strict=True)
    )


def test_ward_counts_split_the_borough(frames: dict[str, pd.DataFrame]) -> None:
    ward = frames[WARD]
    months = _month_cols(ward)
    ward_sum = ward.groupby("MinorText")[months].agg(lambda s: s.astype(int).sum())
    borough = _counts(frames[NEW_RECENT], "BoroughName", DEMO_BOROUGH).loc[ward_sum.index]
    assert (ward_sum <= borough).all().all()
    assert 0.95 < ward_sum.to_numpy().sum() / borough.to_numpy().sum() <= 1.0
    per_ward = ward.assign(total=ward[months].astype(int).sum(axis=1))
    totals = per_ward.groupby("WardName").total.sum()
    assert (totals > 0).all()
    assert totals.max() / totals.min() < 6


def test_reference_wards_csv() -> None:
    ref = resources.files("scpb_analysis.reference").joinpath("barnet_wards_2022.csv")
    text = ref.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert text.splitlines()[0] == "ward_code,ward_name,borough,ons_ward_name"
    assert len(rows) == 24
    names = [r["ward_name"] for r in rows]
    assert names == sorted(names)
    assert "Totteridge and Woodside" in names
    assert {r["ons_ward_name"] for r in rows} >= {"Totteridge & Woodside", "Whetstone"}
    assert {r["borough"] for r in rows} == {"Barnet"}
    assert sorted(r["ward_code"] for r in rows) == [f"E0501{n}" for n in range(3628, 3652)]
