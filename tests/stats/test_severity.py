"""Crime severity weights and harm-weighted counts (scpb_analysis.stats.severity)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import MPS_BOROUGH

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.packaged import read_packaged_csv
from scpb_analysis.stats.severity import harm_weighted, read_severity_weights


@pytest.fixture(scope="module")
def weights():
    return read_severity_weights()


def _write(tmp_path, text, name="weights.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "indicator,weight,unit,source,source_url,weights_date,basis\n"


def _user_file(tmp_path, rows, header=HEADER):
    return _write(tmp_path, header + "".join(rows))


# --- the packaged table -------------------------------------------------------------------

# Values transcribed from the source, M-O-P-D/Police-Supply-Demand data/policeuk-ons-code-join.csv
# @ 1c48ecef4ae86c2b886e595de7178b478b91f514, column ONS_SEVERITY_weight (its copy of the ONS
# Crime Severity Score data tool, sheet "List of weights"), e.g. the rows
# "Burglary Residential,28E,...,465.3814732", "Homicide ...,7973.393423",
# "Possession of controlled drugs (Cannabis),92E,...,1.770623478",
# "Assault with injury,8N,...,189.1538871", "Robbery of personal property,34B,...,799.6288702",
# "Shoplifting,46,...,11.85553905".
SOURCE_VALUES = {
    "ho_28E": 465.3814732,
    "ho_1": 7973.393423,
    "ho_92E": 1.770623478,
    "ho_8N": 189.1538871,
    "ho_34B": 799.6288702,
    "ho_46": 11.85553905,
    "ho_2": 4654.298133,
    "ho_19C": 2952.940993,
}


def test_packaged_weights_match_the_cited_source(weights):
    table = weights.table.set_index("indicator")
    for code, value in SOURCE_VALUES.items():
        assert table.loc[code, "weight"] == pytest.approx(value, rel=1e-12), code
    # A sanity check against the ONS's own published ordering: homicide is the heaviest offence
    # and possession of cannabis among the lightest (ONS 2016 research output, reported as
    # "murder ... 7,979 points ... three points per offence for cannabis possession").
    offences = table[table["level"] == "home_office_offence"]
    assert offences["weight"].idxmax() == "ho_1"
    assert offences["weight"].rank().loc["ho_92E"] <= 3


def test_packaged_groups_follow_their_offences(weights):
    table = weights.table.set_index("indicator")
    assert table.loc["residential_burglary", "weight"] == table.loc["ho_28E", "weight"]
    assert table.loc["residential_burglary", "weight_max"] == table.loc["ho_29A", "weight"]
    assert table.loc["robbery", "weight"] == table.loc["ho_34A", "weight"]
    assert table.loc["violence_with_injury", "weight"] == table.loc["ho_8N", "weight"]
    assert table.loc["violence_with_injury", "weight_max"] == table.loc["ho_2", "weight"]
    # Every weighted group says how, every unweighted one says why, and all cite the source.
    assert table["rule"].isin({"source", "single", "shared", "principal", "none"}).all()
    assert (table.loc[table["weight"].isna(), "rule"] == "none").all()
    assert (table["basis"].str.len() > 0).all()
    assert table["source_url"].str.startswith("https://www.ons.gov.uk/").all()
    assert "M-O-P-D/Police-Supply-Demand" in weights.source
    assert weights.date


def test_every_taxonomy_group_is_listed(weights):
    listed = set(weights.table["indicator"])
    mps = set(read_packaged_csv("indicators.csv", "scpb_analysis.reference.taxonomy")
              ["indicator"])
    policeuk = set(read_packaged_csv("policeuk_crime_types.csv",
                                     "scpb_analysis.reference.taxonomy")["indicator"])
    assert mps - listed == set()
    assert policeuk - listed == set()


# --- hand-computed harm -------------------------------------------------------------------


def test_hand_computed_harm_by_group_with_rates(tmp_path):
    path = _user_file(tmp_path, [
        "a,10,days,test,http://x,2024,hand\n",
        "b,2.5,days,test,http://x,2024,hand\n",
    ])
    w = read_severity_weights(path)
    counts = pd.DataFrame({
        "area": ["X", "X", "X", "Y", "Y"],
        "indicator": ["a", "a", "b", "a", "b"],
        "count": [3, 1, 4, 0, 8],
    })
    pop = pd.DataFrame({"area": ["X", "Y"], "population": [2000, 500]})
    out = harm_weighted(counts, w, by=["area"], population=pop, per=1000, harm_per=100)
    got = out.set_index(["area", "indicator"])
    # X: a 4 x 10 = 40, b 4 x 2.5 = 10, total 50 from 8 offences.
    assert got.loc[("X", "a"), "harm"] == 40
    assert got.loc[("X", "b"), "harm"] == 10
    assert got.loc[("X", "total"), ["count", "harm"]].tolist() == [8, 50]
    assert got.loc[("X", "a"), "harm_share"] == pytest.approx(0.8)
    assert got.loc[("X", "total"), "rate"] == pytest.approx(8 / 2000 * 1000)
    assert got.loc[("X", "total"), "harm_rate"] == pytest.approx(50 / 2000 * 100)
    # Y: a 0, b 8 x 2.5 = 20.
    assert got.loc[("Y", "total"), ["count", "harm"]].tolist() == [8, 20]
    assert got.loc[("Y", "a"), "harm_share"] == 0
    assert got.loc[("Y", "total"), "harm_rate"] == pytest.approx(20 / 500 * 100)
    assert (got.xs("total", level="indicator")["status"] == "complete").all()
    assert out["method"].str.contains("harm per 100 population").all()


def test_harm_range_uses_the_lightest_and_heaviest_offence(weights):
    counts = pd.DataFrame({"indicator": ["residential_burglary"], "count": [10]})
    row = harm_weighted(counts, weights).iloc[0]
    # 10 x 465.3814732 (28E) and 10 x 2288.669158 (29A, aggravated burglary - residential).
    assert row["harm"] == pytest.approx(4653.814732)
    assert row["harm_min"] == pytest.approx(4653.814732)
    assert row["harm_max"] == pytest.approx(22886.69158)
    assert "principal offence 28E" in row["method"]


def test_default_harm_rate_is_per_head_as_the_ons_presents_the_css(weights):
    counts = pd.DataFrame({"indicator": ["homicide"], "count": [2]})
    out = harm_weighted(counts, weights, population=pd.DataFrame({"population": [100_000]}))
    total = out.set_index("indicator").loc["total"]
    assert total["harm_rate"] == pytest.approx(2 * 7973.393423 / 100_000)
    assert total["rate"] == pytest.approx(2 / 100_000 * 1000)


def test_user_file_replaces_the_packaged_one(tmp_path):
    path = _user_file(tmp_path, ["shoplifting,100,points,my force,http://x,2025-01,local\n"])
    w = read_severity_weights(path)
    counts = pd.DataFrame({"indicator": ["shoplifting"], "count": [3]})
    out = harm_weighted(counts, w)
    assert out["harm"].iloc[0] == 300
    assert w.source == "my force" and w.date == "2025-01" and w.path == str(path)
    with pytest.raises(ValueError, match="residential_burglary"):
        harm_weighted(pd.DataFrame({"indicator": ["residential_burglary"], "count": [1]}), w)


def test_unweighted_group_is_refused_or_reported(weights):
    counts = pd.DataFrame({"indicator": ["shoplifting", "possession_of_drugs", "arson"],
                           "count": [10, 5, 0]})
    with pytest.raises(ValueError, match=r"possession_of_drugs.*crime_severity\.csv"):
        harm_weighted(counts, weights)
    out = harm_weighted(counts, weights, unweighted="report").set_index("indicator")
    assert "arson" not in out.index  # no offences: nothing is left out
    assert math.isnan(out.loc["possession_of_drugs", "harm"])
    assert out.loc["possession_of_drugs", "status"].startswith("set aside")
    total = out.loc["total"]
    assert (total["count"], total["count_set_aside"], total["status"]) == (10, 5, "incomplete")
    assert total["harm"] == pytest.approx(10 * 11.85553905)
    assert "possession_of_drugs set aside" in total["method"]


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "match"), [
    ("indicator,weight,unit,source,source_url,weights_date\na,1,d,s,u,2024\n",
     r"missing column\(s\) 'basis'"),
    (HEADER + "a,abc,d,s,u,2024,b\n", r"row 2, column 'weight': 'abc' is not a number"),
    (HEADER + "a,-1,d,s,u,2024,b\n", r"row 2, column 'weight': '-1' is not a weight"),
    (HEADER + "a,1,d,s,u,2024,b\na,2,d,s,u,2024,b\n", r"row 3.*'a' appears twice"),
    (HEADER + "a,1,d,,u,2024,b\n", r"row 2, column 'source': no source"),
    (HEADER + "a,1,d,s,u,,b\n", r"row 2, column 'weights_date': no weights_date"),
    (HEADER + "a,,d,s,u,2024,\n", r"row 2, column 'basis'.*no weight and no reason"),
    ("indicator,weight,weight_min,weight_max,unit,source,source_url,weights_date,basis\n"
     "a,5,1,3,d,s,u,2024,b\n", r"outside its range"),
    ("indicator,weight,weight_min,weight_max,unit,rule,offence_codes,source,source_url,"
     "weights_date,basis\nho_1,4,4,4,d,source,1,s,u,2024,b\nho_2,6,6,6,d,source,2,s,u,2024,b\n"
     "g,4,4,5,d,shared,1;2,s,u,2024,b\n", r"'g': range 4 to 5 does not match.*4 to 6"),
])
def test_bad_weights_files_are_refused(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(InputDataError, match=match) as err:
        read_severity_weights(path)
    assert str(path) in str(err.value)


def test_missing_weights_file_is_refused(tmp_path):
    with pytest.raises(InputDataError, match="file not found"):
        read_severity_weights(tmp_path / "nope.csv")


@pytest.mark.parametrize(("counts", "kwargs", "match"), [
    ({"indicator": ["not_a_group"], "count": [1]}, {}, r"not_a_group.*does not list"),
    ({"indicator": ["shoplifting"], "count": [-1]}, {}, r"whole numbers of 0 or more"),
    ({"indicator": ["shoplifting"], "count": [1.5]}, {}, r"whole numbers"),
    ({"indicator": ["shoplifting"], "count": [float("nan")]}, {}, r"whole numbers"),
    ({"indicator": ["shoplifting"]}, {}, r"no 'count' column"),
    ({"indicator": ["shoplifting"], "count": [1]}, {"by": ["area"]}, r"no column\(s\) 'area'"),
    ({"indicator": ["shoplifting"], "count": [1], "measure": ["victims"]}, {},
     r"'victims'; severity weights apply to offences only"),
    ({"indicator": ["shoplifting"], "count": [1]}, {"unweighted": "drop"}, r"'refuse' or"),
    ({"indicator": ["shoplifting"], "count": [1]}, {"per": 0}, r"per must be"),
    ({"indicator": ["shoplifting"], "count": [1], "area": ["X"]},
     {"by": ["area"], "population": pd.DataFrame({"area": ["Y"], "population": [5]})},
     r"population has no row for \{'area': 'X'\}"),
    ({"indicator": ["shoplifting"], "count": [1], "area": ["X"]},
     {"by": ["area"], "population": pd.DataFrame({"area": ["X"], "population": [0]})},
     r"population must be a number greater than 0"),
    ({"indicator": ["shoplifting"], "count": [1], "area": ["X"]},
     {"by": ["area"], "population": pd.DataFrame({"area": ["X", "X"], "population": [1, 2]})},
     r"two rows"),
])
def test_bad_counts_are_refused(weights, counts, kwargs, match):
    with pytest.raises(ValueError, match=match):
        harm_weighted(pd.DataFrame(counts), weights, **kwargs)


# --- real data ----------------------------------------------------------------------------

# The MPS minor categories of the 2019 coding behind each indicator, written out here so the
# recount does not go through the project's taxonomy. The borough file lists miscellaneous
# crimes and possession of weapons by offence, so those two are taken by major category.
MAJOR_TO_INDICATOR = {
    "Miscellaneous Crimes Against Society": "misc_crimes_against_society",
    "Possession of Weapons": "possession_of_weapons",
}
MINOR_TO_INDICATOR = {
    "Aggravated Vehicle Taking": "aggravated_vehicle_taking", "Arson": "arson",
    "Bicycle Theft": "bicycle_theft", "Criminal Damage": "criminal_damage",
    "Drug Trafficking": "drug_trafficking", "Homicide": "homicide",
    "Interfering with a Motor Vehicle": "interfering_with_motor_vehicle",
    "Burglary Business and Community": "non_residential_burglary",
    "Other Offences Against the State, or Public Order": "other_public_order",
    "Other Sexual Offences": "other_sexual_offences", "Other Theft": "other_theft",
    "Possession of Drugs": "possession_of_drugs",
    "Public Fear Alarm or Distress": "public_fear_alarm_distress",
    "Racially or Religiously Aggravated Public Fear, Al":
        "racially_religiously_aggravated_public_fear",
    "Rape": "rape", "Domestic Burglary": "residential_burglary",
    "Robbery of Business Property": "robbery_of_business_property",
    "Robbery of Personal Property": "robbery_of_personal_property",
    "Shoplifting": "shoplifting", "Theft from a Motor Vehicle": "theft_from_motor_vehicle",
    "Theft from Person": "theft_from_person",
    "Theft or Taking of a Motor Vehicle": "theft_or_taking_of_motor_vehicle",
    "Violence with Injury": "violence_with_injury",
    "Violence without Injury": "violence_without_injury", "Violent Disorder": "violent_disorder",
}


def test_barnet_12_months_to_may_2023_match_a_plain_pandas_recount(weights):
    folder = MPS_BOROUGH / "to-202307"
    if not folder.exists():
        pytest.skip(f"real public data not found at {folder}: these tests read ../shared/data "
                    "beside the repository (or $SCPB_SHARED_DATA)")
    from scpb_analysis.sources.mps import read_mps_crime

    table = read_mps_crime(folder).table
    months = pd.period_range("2022-06", "2023-05", freq="M")
    barnet = table[(table["area_name"] == "Barnet") & table["month"].isin(months)]
    pop = read_packaged_csv("borough_population_census2021.csv")
    pop = pop.rename(columns={"borough_code": "area_code"})[["area_code", "population"]]
    out = harm_weighted(barnet, weights, by=["area_code"], population=pop,
                        unweighted="report")

    # Independent recount: the raw CSV, the weights file, plain pandas.
    raw = pd.read_csv(next(folder.glob("*most recent 24 months*")))
    raw = raw[raw["LookUp_BoroughName"] == "Barnet"]
    cols = [m.strftime("%Y%m") for m in months]
    indicator = raw["MajorText"].map(MAJOR_TO_INDICATOR).fillna(
        raw["MinorText"].map(MINOR_TO_INDICATOR))
    assert indicator.notna().all(), sorted(raw.loc[indicator.isna(), "MinorText"])
    n = raw[cols].sum(axis=1).groupby(indicator).sum()
    w = read_packaged_csv("crime_severity.csv").set_index("indicator")["weight"]
    weighted = n[w.reindex(n.index).notna()]
    harm = (weighted * w.reindex(weighted.index)).sum()

    got = out.set_index("indicator")
    total = got.loc["total"]
    assert total["harm"] == pytest.approx(harm, rel=1e-12)
    assert total["count"] == weighted.sum()
    assert total["count_set_aside"] == n.sum() - weighted.sum()
    assert total["harm_rate"] == pytest.approx(harm / 389365)
    top = got.drop(index="total")["harm_share"].nlargest(3)
    assert list(top.index) == ["residential_burglary", "rape", "robbery_of_personal_property"]
    # Figures reported for issue 18 (total harm and the top three shares).
    assert round(total["harm"]) == 3752582
    assert [round(x, 3) for x in top] == [0.242, 0.217, 0.150]
