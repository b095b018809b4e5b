"""Issue acceptance on the real data: ward rates, a choropleth and a Gi* hot-spot map of
residential burglary per 1,000 residents in Barnet's 2022 wards, June 2022 to May 2023."""

from __future__ import annotations

import csv
import warnings

import matplotlib
import pytest

from scpb_analysis.blocks.ward_report import ward_rates
from scpb_analysis.sources.mps import read_mps_crime

matplotlib.use("Agg")

WARD_FILE = "MPS Ward Level Crime (most recent 24 months)_202202-202401_wards2022.csv"


@pytest.fixture(scope="module")
def data(mps_ward_dir):
    return mps_ward_dir.parents[1]


@pytest.fixture(scope="module")
def rates(data, mps_ward_dir):
    from scpb_analysis.geo.ward_profiles import ward_population

    crime = read_mps_crime(mps_ward_dir / WARD_FILE).table
    barnet = crime[crime["borough"] == "Barnet"]
    population = ward_population(data, "Barnet")
    return ward_rates(barnet, population, "residential_burglary", "2023-05")


def test_ward_rates_match_an_independent_recount(rates, mps_ward_dir, data):
    months = [f"2022{m:02d}" for m in range(6, 13)] + [f"2023{m:02d}" for m in range(1, 6)]
    with (mps_ward_dir / WARD_FILE).open(newline="", encoding="utf-8-sig") as handle:
        counts: dict[str, int] = {}
        for row in csv.DictReader(handle):
            if row["LookUp_BoroughName"] == "Barnet" and row["MinorText"] == "Domestic Burglary":
                counts[row["WardCode"]] = counts.get(row["WardCode"], 0) + sum(
                    int(row[m]) for m in months)
    assert len(rates) == 24 and rates["window"].iloc[0] == "June 2022 to May 2023"
    by = rates.set_index("ward_code")
    for code, n in counts.items():
        assert by.loc[code, "count"] == n
        assert by.loc[code, "value"] == pytest.approx(n / by.loc[code, "population"] * 1000)
        assert by.loc[code, "lower"] <= by.loc[code, "value"] <= by.loc[code, "upper"]
    assert by["population"].sum() == 389365
    assert "Census 2021" in rates["population_source"].iloc[0]
    assert sorted(rates["rank"]) == sorted(rates["value"].rank(method="min", ascending=False))


def test_choropleth_and_hotspot_map_render_with_checked_content(rates, data, tmp_path):
    from scpb_analysis.charts.maps import hotspot_map, save_figure, ward_choropleth
    from scpb_analysis.sources.boundaries import load_wards
    from scpb_analysis.stats.hotspots import getis_ord_hotspots

    wards = load_wards(data, "Barnet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ward_choropleth(
            wards, rates, column="value", k=5, legend_title="per 1,000 residents",
            title="Residential burglary per 1,000 residents, June 2022 to May 2023",
            note="Population: Census 2021")
        save_figure(result, tmp_path / "choropleth.png")
        hot = getis_ord_hotspots(wards, rates, column="value", permutations=199, seed=7)
        hot_map = hotspot_map(wards, hot)
        save_figure(hot_map, tmp_path / "hotspots.png")
    assert result.n_drawn == 24
    positive_classes = [lab for lab in result.legend_labels if lab not in ("0", "No data")]
    assert len(positive_classes) == 5
    assert set(result.classes) <= set(result.legend_labels)
    assert "No data" not in set(result.classes)   # every ward has a rate
    texts = [t.get_text() for t in result.figure.texts]
    assert any("Contains OS data © Crown copyright and database right" in t for t in texts)
    # The highest-rate ward sits in the top class.
    top = rates.iloc[0]["ward_code"]
    assert result.classes[top] == positive_classes[-1]
    assert len(hot) == 24 and set(hot["hotspot"]) <= {"hot spot", "cold spot",
                                                      "not significant"}
    assert hot_map.n_drawn == 24
    for name in ("choropleth.png", "hotspots.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
