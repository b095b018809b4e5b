"""The needs assessment's parts, built for an area from its pack data as the notebook builds
them: every part holds real numbers or a stated gap, the key findings agree with the tables
they quote, and "not available" is said only where ``../shared/data`` lacks the data.

Counts are recomputed from the raw files with plain pandas (the MPS borough CSV, the MPS
Monthly Crime Dashboard parquet, the MPS LSOA parquet); the blocks' own statistics are
checked in tests/blocks.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.sv_findings import check_findings
from scpb_analysis.pack import needs
from scpb_analysis.pack.data import open_pack_data

DASHBOARD = SHARED_DATA / "mps" / "dashboard" / "monthly-crime-dashboard_202108-202507.parquet"
LSOA = SHARED_DATA / "mps" / "lsoa" / "recorded-crime-lsoa_202402-202602.parquet"
VAWG = SHARED_DATA / "mps" / "vawg" / "vawg-offences.parquet"


def _need(*paths) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _parts(data, output_dir) -> dict[str, needs.Part]:
    definition = needs.definition_for(data)
    return {"scope": needs.scope_part(data, definition),
            "profile": needs.problem_profile_part(data, definition),
            "affected": needs.affected_part(data),
            "where": needs.deprivation_part(data, definition),
            "wards": needs.wards_part(data, definition),
            "when": needs.when_part(data, definition),
            "comparators": needs.comparators_part(data),
            "risk": needs.risk_factors_part(data),
            "gaps": needs.data_gaps_part(data, output_dir)}


def _tables(parts: dict[str, needs.Part]) -> dict[str, pd.DataFrame]:
    out = {}
    for part in parts.values():
        out.update(part.tables())
    return out


def _gaps(part: needs.Part) -> list[str]:
    return [value for kind, value in part.items if kind == "gap"]


def _risk(tables, measure: str) -> pd.Series:
    risk = tables["needs_assessment_risk_factors"]
    return risk[risk["measure"] == measure].iloc[0]


_BUILT: dict[tuple[str, str], tuple] = {}


def _built(area: str, end: str, tmp_path_factory) -> tuple:
    if (area, end) not in _BUILT:
        out = tmp_path_factory.mktemp("needs")
        data = open_pack_data(SHARED_DATA, area, end, cache_dir=None)
        parts = _parts(data, out)
        _BUILT[(area, end)] = (data, parts, _tables(parts), out)
    return _BUILT[(area, end)]


@pytest.mark.slow
@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_every_part_of_barnet_holds_numbers_and_its_findings_hold(end, tmp_path_factory):
    _need(DASHBOARD, LSOA, VAWG, SHARED_DATA / "mps" / "borough")
    data, parts, tables, out = _built("Barnet", end, tmp_path_factory)
    findings = [f for part in parts.values() for f in part.findings]
    assert check_findings(findings, tables) == []
    topics = {f.topic for f in findings}
    assert {"Problem profile", "Who is affected", "Where", "When", "Comparators",
            "Data gaps"} <= topics

    # Domestic abuse and knife crime come from the dashboard extract, which the data hold:
    # computed, and equal to the raw parquet's sum over the 12 months.
    raw = pd.read_parquet(DASHBOARD)
    raw = raw[(raw["area_type"] == "Borough") & (raw["area_name"] == "Barnet")
              & (raw["measure"] == "Offences")]
    months = pd.period_range(pd.Period(end, "M") - 11, end, freq="M")
    raw = raw[raw["month_year"].dt.to_period("M").isin(months)]
    for measure, subtype in (("Domestic abuse violence with injury: offences",
                              "domestic abuse violence with injury"),
                             ("Knife crime with injury: offences", "knife crime with injury")):
        row = _risk(tables, measure)
        expected = int(raw.loc[raw["crime_subtype"].str.casefold() == subtype, "count"].sum())
        assert row["status"] == "computed" and row["borough_value"] == expected, measure

    # The most deprived fifth: computed where the MPS LSOA file covers the 12 months (2025-02),
    # else not available naming the file, and the violence-by-deprivation view says why.
    row = _risk(tables, "Violence with injury in the most deprived fifth of LSOAs: offences "
                        "per 1,000 residents")
    if end == "2025-02":
        lsoa = pd.read_parquet(LSOA)
        lsoas = set(data.lsoa_deprivation().query("imd_quintile == 1")["lsoa_code"])
        cols = [m.strftime("%Y%m") for m in months]
        vwi = lsoa[(lsoa["minor_category"].str.contains("WITH INJURY"))
                   & lsoa["lsoa_code"].isin(lsoas)]
        count = int(vwi[cols].to_numpy().sum())
        ratios = tables["needs_assessment_deprivation_fifth"]
        national = ratios[(ratios["indicator"] == "violence_with_injury")
                          & (ratios["quintile_basis"] == "national")].iloc[0]
        assert int(national["count"]) == count
        assert row["status"] == "computed"
        assert row["borough_value"] == pytest.approx(national["value"], abs=0.005)
    else:
        assert row["status"] == "not available"
        assert "MPS LSOA Level Crime" in row["borough_value"]
        assert any("MPS LSOA Level Crime" in g and "June 2022 to May 2023" in g
                   for g in _gaps(parts["where"]))

    # VAWG comes from the MPS VAWG file, which the data hold: the profile's 12 months equal
    # the raw parquet's location-sheet sum, and the delay and ward persistence are computed.
    vawg = pd.read_parquet(VAWG)
    vawg = vawg[(vawg["sheet"] == "Offence count location")
                & (vawg["borough_name"] == "Barnet")]
    recorded = vawg["recorded_date_months"].dt.to_period("M")
    profile = tables["needs_assessment_problem_profile"].set_index("indicator")
    assert profile.loc["vawg_offences", "n_12m"] == int(vawg.loc[recorded.isin(months),
                                                                 "count"].sum())
    assert profile.loc["vawg_offences", "series_from"] == "January 2014"
    assert not pd.isna(profile.loc["vawg_offences", "trend_pct_year"])
    delay = tables["needs_assessment_vawg_delay"]
    assert (delay["status"] == "computed").all()
    assert int(delay.query("area == 'Barnet' and band == 'all recorded'")["count"].iloc[0]) \
        == profile.loc["vawg_offences", "n_12m"]
    persistence = tables["needs_assessment_vawg_persistence"]
    assert len(persistence) == 24 and persistence["windows_used"].eq(5).all()

    # Templates for the partners are written beside the tables, one per checklist item.
    gaps = tables["needs_assessment_data_gaps"]
    assert sorted(p.name for p in (out / "templates").iterdir()) == sorted(
        gaps["template_file"])


@pytest.mark.slow
def test_a_police_uk_area_builds_each_part_or_says_why_not(tmp_path_factory):
    avon = SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12"
    _need(avon)
    data, parts, tables, _ = _built("Bristol, City of", "2024-12", tmp_path_factory)
    assert data.kind == "policeuk"
    assert check_findings([f for p in parts.values() for f in p.findings], tables) == []
    # The MPS extracts are London's only: each says so rather than showing nothing.
    gaps = _gaps(parts["affected"])
    assert len(gaps) == 3 and all("London boroughs only" in g for g in gaps)
    # police.uk lacks July and August 2024: no 12 months to December 2024 anywhere, and
    # the deprivation view falls back to the latest whole 12 months, saying so.
    assert any("July 2024 to August 2024" in g for g in _gaps(parts["where"]))
    assert any("July 2024 to August 2024" in g for g in _gaps(parts["wards"]))
    shown = [v for k, v in parts["where"].items if k == "markdown"]
    assert any("a different period from the rest of this page" in v for v in shown)
    ratios = tables["needs_assessment_deprivation_fifth"]
    assert set(ratios["window"]) == {"July 2023 to June 2024"}
    # The risk-factor table takes only the page's own 12 months, never the fallback.
    assert not (tables["needs_assessment_risk_factors"]["period"]
                == "July 2023 to June 2024").any()
    profile = tables["needs_assessment_problem_profile"]
    assert profile["n_12m"].isna().all()
    assert set(profile["rate_period"]) == {"July 2023 to June 2024"}


def test_a_folder_without_the_extracts_states_each_gap(tmp_path):
    """The demo folder without its dashboard extract, VAWG, homicide and LSOA files: each
    part says which source it needs instead of failing or showing nothing."""
    from scpb_analysis.demo import example_folder

    folder = tmp_path / "data"
    shutil.copytree(example_folder(), folder)
    shutil.rmtree(folder / "mps" / "dashboard")
    shutil.rmtree(folder / "mps" / "vawg")
    data = open_pack_data(folder, "Barnet", "2023-05", cache_dir=None)
    affected = needs.affected_part(data)
    gaps = _gaps(affected)
    assert sum("Monthly Crime Dashboard" in g for g in gaps) == 2
    assert any("mps/homicide" in g for g in gaps)
    assert affected.findings == []
    where = needs.deprivation_part(data, needs.definition_for(data))
    assert any("mps/lsoa" in g for g in _gaps(where))
    # No VAWG file: the profile, the ward persistence and the delay each name it.
    definition = needs.definition_for(data)
    assert any("mps/vawg" in g for g in _gaps(needs.problem_profile_part(data, definition)))
    assert any("mps/vawg" in g for g in _gaps(needs.wards_part(data, definition)))
    # The CCTV log of the demo partnership folder gives the hour and weekday profile.
    when = needs.when_part(data, needs.definition_for(data))
    assert "needs_assessment_cctv_by_hour" in when.tables()
    by_hour = when.tables()["needs_assessment_cctv_by_hour"]
    assert len(by_hour) == 24 and by_hour["count"].sum() > 0
    assert any("mps/vawg" in g for g in _gaps(when))


def test_a_public_page_suppresses_the_cctv_counts(tmp_path):
    """The CCTV log is partnership data: on a public page its hour and weekday counts from 1
    to 4 read <5, with their shares and rates, and no hidden count can be worked out from the
    total the text prints. Checked against the internal page's counts, with bounds on each
    hidden count worked out here from the published column alone."""
    from scpb_analysis.demo import example_folder

    data = open_pack_data(example_folder(), "Barnet", "2023-05", cache_dir=None)
    definition = needs.definition_for(data)
    internal = needs.when_part(data, definition).tables()
    public_part = needs.when_part(data, definition, public=True)
    public = public_part.tables()
    hidden_any = False
    for name in ("needs_assessment_cctv_by_hour", "needs_assessment_cctv_by_weekday"):
        counts, shown = internal[name], public[name]
        assert len(counts) == len(shown)
        small = counts["count"].between(1, 4).to_numpy()
        assert (shown.loc[small, "count"] == "<5").all(), name
        hidden = shown["count"].isin(["<5", "[c]"]).to_numpy()
        hidden_any |= hidden.any()
        # Every count shown is the internal count; every hidden one takes its share and rate
        # with it (either gives the count back with the staffed hours or the total).
        assert (shown.loc[~hidden, "count"].astype(int).to_numpy()
                == counts.loc[~hidden, "count"].to_numpy()).all()
        assert (shown.loc[hidden, ["share", "per_100_hours"]] == "[c]").all().all()
        assert (shown.loc[~hidden, "share"].astype(float).to_numpy()
                == counts.loc[~hidden, "share"].to_numpy()).all()
        # A reader knows the total (the text prints it), so the hidden cells add up to what
        # is left; each <5 is 1 to 4 and each [c] at least 5 (at most what is left).
        left = int(counts["count"].sum()) - int(counts.loc[~hidden, "count"].sum())
        low = shown.loc[hidden, "count"].map({"<5": 1, "[c]": 5}).to_numpy()
        high = shown.loc[hidden, "count"].map({"<5": 4, "[c]": left}).to_numpy()
        for i in range(hidden.sum()):
            least = max(low[i], left - (high.sum() - high[i]))
            most = min(high[i], left - (low.sum() - low[i]))
            assert least < most, f"{name}: a hidden count is {least} for sure"
    assert hidden_any, "the demo log has hours with fewer than 5 incidents to protect"
    texts = [v for k, v in public_part.items if k == "text"]
    assert any("shown as <5" in t and "[c]" in t for t in texts)
    assert f"{int(internal['needs_assessment_cctv_by_hour']['count'].sum()):,} violence" \
        in " ".join(texts)
