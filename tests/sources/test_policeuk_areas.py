"""police.uk counts for a Community Safety Partnership outside London: Bristol from the Avon and
Somerset files against independent pandas counts, the force's other local authorities as peers,
missing months, and the set-aside rules on small hand-made files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import AVON, BRISTOL, FORCE_LADS, SHARED_DATA

from scpb_analysis.core.errors import (
    CoverageError,
    InputDataError,
    MissingSourceError,
    UnknownAreaError,
)
from scpb_analysis.core.periods import Window, to_month
from scpb_analysis.reference.geography import select_area
from scpb_analysis.sources.la_population import lsoa_ward_lad_lookup
from scpb_analysis.sources.mps import TIDY_COLUMNS
from scpb_analysis.sources.policeuk import SOURCE_COLUMNS, read_policeuk
from scpb_analysis.sources.policeuk_areas import (
    AREA_COLUMNS,
    POLICEUK_INDICATORS,
    policeuk_area_crime,
)


def _plain_count(raw: pd.DataFrame, lsoas: set[str], crime_type: str | None, start: str,
                 end: str) -> int:
    keep = raw["LSOA code"].isin(lsoas) & raw["Month"].between(start, end)
    if crime_type is not None:
        keep &= raw["Crime type"] == crime_type
    return int(keep.sum())


def _table_count(result, area_type: str, code: str, indicator: str | None, start: str,
                 end: str) -> int:
    t = result.table
    keep = ((t["area_type"] == area_type) & (t["area_code"] == code)
            & t["month"].between(to_month(start), to_month(end)))
    if indicator is not None:
        keep &= t["indicator"] == indicator
    return int(t.loc[keep, "count"].sum())


def test_bristol_violence_twelve_months_matches_plain_pandas(avon, plain):
    raw, lookup = plain
    lsoas = set(lookup.loc[lookup["LAD24CD"] == BRISTOL, "LSOA21CD"])
    expected = _plain_count(raw, lsoas, "Violence and sexual offences", "2023-07", "2024-06")
    got = _table_count(avon, "csp", BRISTOL, "violence_and_sexual_offences", "2023-07",
                       "2024-06")
    assert got == expected
    assert got == 22_153
    assert avon.area_code == BRISTOL and avon.area_name == "Bristol, City of"
    assert avon.force == "Avon and Somerset Constabulary"


def test_a_bristol_ward_matches_plain_pandas(avon, plain):
    raw, lookup = plain
    ward = lookup[(lookup["LAD24CD"] == BRISTOL) & (lookup["WD24NM"] == "Central")]
    assert len(ward), "the 2024 lookup has a Central ward in Bristol"
    code = ward["WD24CD"].iloc[0]
    lsoas = set(ward["LSOA21CD"])
    for crime_type in ("Violence and sexual offences", "Anti-social behaviour", None):
        expected = _plain_count(raw, lsoas, crime_type, "2023-07", "2024-06")
        indicator = None if crime_type is None else POLICEUK_INDICATORS[crime_type]
        assert _table_count(avon, "ward", code, indicator, "2023-07", "2024-06") == expected
    # Every ward and LSOA of Bristol in the lookup is there, and they add up to the area.
    wards = avon.table[avon.table["area_type"] == "ward"]
    assert set(wards["area_code"]) == set(lookup.loc[lookup["LAD24CD"] == BRISTOL, "WD24CD"])
    area = avon.table[(avon.table["area_type"] == "csp") & (avon.table["area_code"] == BRISTOL)]
    lsoa = avon.table[avon.table["area_type"] == "lsoa"]
    assert wards["count"].sum() + avon.not_in_ward == area["count"].sum()
    assert lsoa["count"].sum() + avon.not_in_lsoa == area["count"].sum()
    assert 0 < avon.not_in_ward <= avon.not_in_lsoa


def test_every_local_authority_of_the_force_is_a_peer_with_its_own_count(avon, plain):
    raw, lookup = plain
    placed = raw.merge(lookup, left_on="LSOA code", right_on="LSOA21CD")
    share = (placed.groupby("LAD24CD")["LSOA21CD"].nunique()
             / lookup.groupby("LAD24CD").size()).dropna()
    assert set(share[share >= 0.5].index) == FORCE_LADS
    assert set(avon.peers["la_code"]) == FORCE_LADS
    csp = avon.table[avon.table["area_type"] == "csp"]
    assert set(csp["area_code"]) == FORCE_LADS
    for code in FORCE_LADS:
        # All months, 2011 codes (files to May 2023) placed through the exact-fit lookup.
        assert _table_count(avon, "csp", code, None, "2023-01", "2024-12") == int(
            (raw["LAD"] == code).sum()), code
    # Crimes the force recorded in other authorities' LSOAs are set aside and counted.
    outside = raw[raw["LAD"].notna() & ~raw["LAD"].isin(FORCE_LADS)]
    assert int(avon.outside_force["records"].sum()) == len(outside)
    assert not set(avon.outside_force["la_code"]) & FORCE_LADS


def test_missing_months_are_reported_and_a_window_needing_them_raises(avon):
    assert avon.months_missing == [to_month("2024-07"), to_month("2024-08")]
    assert len(avon.months_present) == 22
    assert not avon.table["month"].isin(avon.months_missing).any()
    avon.check_window(Window(to_month("2023-07"), to_month("2024-06")))
    with pytest.raises(CoverageError, match="July 2024 to August 2024") as caught:
        avon.check_window(Window(to_month("2023-09"), to_month("2024-08")))
    assert "Avon and Somerset Constabulary" in str(caught.value)
    assert "no file for July 2024 to August 2024" in avon.summary


def test_rows_set_aside_are_counted(avon, plain):
    raw, lookup = plain
    assert avon.no_lsoa == int(raw["LSOA code"].isna().sum())
    old = raw[raw["LSOA code"].notna() & ~raw["LSOA code"].isin(set(lookup["LSOA21CD"]))]
    assert set(old["Month"]) <= {f"2023-0{m}" for m in range(1, 6)}  # to May 2023 only
    assert int(avon.placed_by_2011["records"].sum()) + int(avon.unplaced["records"].sum()) \
        == len(old)
    assert avon.placed_by_2011["lsoa_code"].iloc[0] == "E01014540"  # Bristol 032B, 2011 code
    assert avon.placed_by_2011["la_code"].iloc[0] == BRISTOL


def test_without_the_2011_lookup_old_codes_are_set_aside(avon, plain):
    raw, lookup = plain
    load = read_policeuk(AVON)
    bare = policeuk_area_crime(load, lsoa_ward_lad_lookup(SHARED_DATA, 2024), BRISTOL)
    old = raw[raw["LSOA code"].notna() & ~raw["LSOA code"].isin(set(lookup["LSOA21CD"]))]
    assert int(bare.unplaced["records"].sum()) == len(old)
    assert bare.unplaced["lsoa_code"].iloc[0] == "E01014540"
    assert _table_count(bare, "csp", BRISTOL, "violence_and_sexual_offences", "2023-07",
                        "2024-06") == 22_153


def test_the_table_has_the_mps_schema(avon):
    t = avon.table
    assert list(t.columns) == AREA_COLUMNS and AREA_COLUMNS[: len(TIDY_COLUMNS)] == TIDY_COLUMNS
    assert str(t["count"].dtype) == "int64"
    assert t["month"].dtype == "period[M]"
    assert set(t["area_type"]) == {"csp", "ward", "lsoa"}
    assert set(t.loc[t["indicator"] == "anti_social_behaviour", "measure"]) == {"incidents"}
    assert set(t.loc[t["indicator"] != "anti_social_behaviour", "measure"]) == {"offences"}
    assert not t.duplicated(["month", "area_type", "area_code", "indicator"]).any()
    wards = select_area(t, "Bristol, City of", area_type="ward")
    assert len(wards) == int((t["area_type"] == "ward").sum())
    assert len(select_area(t, "North Somerset", area_type="csp"))


# ---------------------------------------------------------------------------------------------
# Small hand-made files


_LOOKUP = pd.DataFrame({
    "lsoa_code": ["E01014485", "E01014486", "E01014487", "E01014700"],
    "lsoa_name": ["Bristol 001A", "Bristol 001B", "Bristol 002A", "North Somerset 001A"],
    "ward_code": ["E05010885", "E05010885", "E05010886", "E05010900"],
    "ward_name": ["Avonmouth", "Avonmouth", "Bedminster", "Clevedon East"],
    "la_code": ["E06000023", "E06000023", "E06000023", "E06000024"],
    "la_name": ["Bristol, City of"] * 3 + ["North Somerset"],
    "lookup": "lookup.csv",
})


def _row(crime_id: str, month: str, lsoa: str, crime_type: str,
         force: str = "Avon and Somerset Constabulary") -> str:
    where = "-2.6,51.45,On or near High Street" if lsoa else ",,No Location"
    return (f"{crime_id},{month},{force},{force},{where},{lsoa},,{crime_type},"
            "Under investigation,\n")


def _files(folder: Path, months: dict[str, list[str]]) -> Path:
    for month, rows in months.items():
        (folder / f"{month}-avon-and-somerset-street.csv").write_text(
            ",".join(SOURCE_COLUMNS) + "\n" + "".join(rows))
    return folder


def _count(result, area_type, code, indicator, month):
    t = result.table
    hit = t[(t["area_type"] == area_type) & (t["area_code"] == code)
            & (t["indicator"] == indicator) & (t["month"] == to_month(month))]
    return hit


def test_a_month_without_a_file_is_absent_and_a_month_without_records_is_zero(tmp_path):
    folder = _files(tmp_path, {
        "2024-01": [_row("a", "2024-01", "E01014485", "Burglary"),
                    _row("b", "2024-01", "E01014487", "Robbery"),
                    _row("", "2024-01", "E01014700", "Anti-social behaviour")],
        "2024-03": [_row("c", "2024-03", "E01014486", "Burglary")],
    })
    result = policeuk_area_crime(read_policeuk(folder), _LOOKUP, "e06000023")
    assert result.months_present == [to_month("2024-01"), to_month("2024-03")]
    assert result.months_missing == [to_month("2024-02")]
    robbery = _count(result, "csp", "E06000023", "robbery", "2024-03")
    assert robbery["count"].tolist() == [0] and robbery["zero_filled"].tolist() == [True]
    assert _count(result, "csp", "E06000023", "robbery", "2024-02").empty
    assert _count(result, "csp", "E06000023", "burglary", "2024-01")["count"].tolist() == [1]
    assert _count(result, "ward", "E05010885", "burglary", "2024-03")["count"].tolist() == [1]
    assert _count(result, "lsoa", "E01014487", "robbery", "2024-01")["count"].tolist() == [1]
    asb = _count(result, "csp", "E06000024", "anti_social_behaviour", "2024-01")
    assert asb["count"].tolist() == [1] and asb["measure"].tolist() == ["incidents"]
    assert (result.table["source_file"][result.table["month"] == to_month("2024-03")]
            == "2024-03-avon-and-somerset-street.csv").all()
    with pytest.raises(CoverageError, match="February 2024"):
        result.check_window(Window(to_month("2024-01"), to_month("2024-03")))


def test_records_without_lsoa_unknown_lsoa_and_unknown_crime_type_are_set_aside(tmp_path):
    folder = _files(tmp_path, {"2024-01": [
        _row("a", "2024-01", "E01014485", "Burglary"),
        _row("b", "2024-01", "", "Burglary"),
        _row("c", "2024-01", "E01099999", "Burglary"),
        _row("d", "2024-01", "E01014486", "Burglery"),
        _row("e", "2024-01", "E01014487", "Drugs"),
    ]})
    load = read_policeuk(folder)
    assert load.files["unknown_crime_type"].tolist() == [1]  # set aside by read_policeuk
    result = policeuk_area_crime(load, _LOOKUP, "Bristol,  City of")
    assert result.no_lsoa == 1
    assert result.unplaced[["lsoa_code", "records"]].to_dict("records") == [
        {"lsoa_code": "E01099999", "records": 1}]
    assert set(result.table["indicator"]) == {"burglary", "drugs"}
    assert _count(result, "csp", "E06000023", "burglary", "2024-01")["count"].tolist() == [1]
    assert "1 crimes in 1 LSOA codes not in lookup.csv set aside" in result.summary


def test_an_area_not_of_the_force_names_the_force_areas(tmp_path):
    folder = _files(tmp_path, {"2024-01": [_row("a", "2024-01", "E01014485", "Burglary"),
                                           _row("b", "2024-01", "E01014486", "Burglary")]})
    with pytest.raises(UnknownAreaError, match=r"Bristol, City of \(E06000023\)"):
        policeuk_area_crime(read_policeuk(folder), _LOOKUP, "North Somerset")


def test_points_of_two_forces_and_a_short_lookup_are_errors(tmp_path):
    folder = _files(tmp_path, {"2024-01": [_row("a", "2024-01", "E01014485", "Burglary")]})
    points = read_policeuk(folder).points
    two = pd.concat([points, points.assign(falls_within="Wiltshire Police", crime_id="z")])
    with pytest.raises(InputDataError, match="Wiltshire Police"):
        policeuk_area_crime(two, _LOOKUP, "Bristol, City of")
    with pytest.raises(InputDataError, match="ward_code"):
        policeuk_area_crime(points, _LOOKUP.drop(columns="ward_code"), "Bristol, City of")


def test_lookup_loader_picks_the_year_asked_for(tmp_path):
    header = "LSOA21CD,LSOA21NM,WD{y}CD,WD{y}NM,LAD{y}CD,LAD{y}NM\n"
    for year, ward in (("24", "E05010885"), ("25", "E05099999")):
        (tmp_path / f"lookup_{year}.csv").write_text(
            header.format(y=year) + f"E01014485 ,Bristol 001A,{ward},Avonmouth,E06000023,"
            '"Bristol, City of"\n')
    assert lsoa_ward_lad_lookup(tmp_path)["ward_code"].tolist() == ["E05099999"]
    got = lsoa_ward_lad_lookup(tmp_path, 2024)
    assert got[["lsoa_code", "ward_code", "lookup"]].to_dict("records") == [
        {"lsoa_code": "E01014485", "ward_code": "E05010885", "lookup": "lookup_24.csv"}]
    with pytest.raises(MissingSourceError, match="of 2023"):
        lsoa_ward_lad_lookup(tmp_path, 2023)


def test_2011_codes_go_to_the_ward_and_lsoa_their_2021_lsoas_share(tmp_path):
    folder = _files(tmp_path, {"2024-01": [
        _row("a", "2024-01", "E01014485", "Burglary"),
        _row("b", "2024-01", "E01088888", "Burglary"),  # 2011 code, one 2021 LSOA
        _row("c", "2024-01", "E01099999", "Burglary"),  # 2011 code split across two wards
        _row("d", "2024-01", "E01077777", "Burglary"),  # in neither lookup
    ]})
    lsoa11 = pd.DataFrame({"LSOA11CD": ["E01088888", "E01099999", "E01099999"],
                           "LSOA21CD": ["E01014486", "E01014485", "E01014487"]})
    result = policeuk_area_crime(read_policeuk(folder), _LOOKUP, "Bristol, City of",
                                 lsoa11=lsoa11)
    assert _count(result, "csp", "E06000023", "burglary", "2024-01")["count"].tolist() == [3]
    assert _count(result, "ward", "E05010885", "burglary", "2024-01")["count"].tolist() == [2]
    assert _count(result, "lsoa", "E01014486", "burglary", "2024-01")["count"].tolist() == [1]
    assert (result.not_in_ward, result.not_in_lsoa) == (1, 1)
    assert result.placed_by_2011[["lsoa_code", "ward_code", "lsoa21"]].to_dict("records") == [
        {"lsoa_code": "E01088888", "ward_code": "E05010885", "lsoa21": "E01014486"},
        {"lsoa_code": "E01099999", "ward_code": "", "lsoa21": ""}]
    assert result.unplaced["lsoa_code"].tolist() == ["E01077777"]
