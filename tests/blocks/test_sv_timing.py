"""When violence happens: seasonality, hour and weekday, and the timing gaps.

Seasonality is recomputed from the MPS borough CSVs with plain pandas (the rows of Barnet's
VIOLENCE WITH INJURY, month columns summed by calendar month) and its F test refitted here by
maximising the Poisson likelihood with scipy.optimize (not the package's IRLS). The CCTV
profile is recomputed from the demo CSV (its header is the template's) with the control
room's hours written out again, and the chi-square tests with scipy.stats.chisquare.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.sv_timing import (
    CCTV_VIOLENCE_TYPES,
    hour_weekday_profile,
    seasonality,
    timing_gaps,
)

BOROUGH = SHARED_DATA / "mps" / "borough"
AVON = SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def _need(*paths) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _poisson_deviance_fit(y: np.ndarray, design: np.ndarray, offset: np.ndarray
                          ) -> tuple[float, float]:
    """Deviance and Pearson chi-square of a Poisson log-linear fit by direct optimisation."""
    from scipy.optimize import minimize

    def nll(beta):
        eta = design @ beta + offset
        return float(np.sum(np.exp(eta) - y * eta))

    def grad(beta):
        return design.T @ (np.exp(design @ beta + offset) - y)

    start = np.zeros(design.shape[1])
    start[0] = math.log(y.mean() / np.exp(offset).mean())
    fit = minimize(nll, start, jac=grad, method="BFGS", options={"gtol": 1e-10,
                                                                 "maxiter": 10_000})
    mu = np.exp(design @ fit.x + offset)
    term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0)
    return float(2 * np.sum(term - (y - mu))), float(np.sum((y - mu) ** 2 / mu))


def _f_test(counts: pd.Series) -> tuple[float, float]:
    from scipy.stats import f

    months = pd.PeriodIndex(counts.index, freq="M")
    y = counts.to_numpy(float)
    n = len(y)
    offset = np.log([m.days_in_month for m in months])
    t = np.arange(n) / 12
    dummies = pd.get_dummies(months.month, drop_first=True).to_numpy(float)
    null = np.column_stack([np.ones(n), t])
    full = np.column_stack([null, dummies])
    d0, _ = _poisson_deviance_fit(y, null, offset)
    d1, pearson = _poisson_deviance_fit(y, full, offset)
    phi = max(1.0, pearson / (n - 13))
    stat = (d0 - d1) / 11 / phi
    return stat, float(f.sf(stat, 11, n - 13))


def _mps_series(end: str) -> pd.Series:
    """Barnet's monthly VIOLENCE WITH INJURY from the raw CSVs of the publication read."""
    folder = BOROUGH / {"2023-05": "to-202307", "2025-02": "to-202502"}[end]
    _need(folder)
    parts = []
    for path in sorted(folder.glob("*.csv")):
        raw = pd.read_csv(path)
        borough = "BoroughName" if "BoroughName" in raw else "LookUp_BoroughName"
        row = raw[(raw[borough] == "Barnet")
                  & (raw["MinorText"].str.upper() == "VIOLENCE WITH INJURY")]
        assert len(row) == 1
        months = [c for c in raw.columns if c.isdigit()]
        parts.append(pd.Series(row[months].iloc[0].to_numpy(int),
                               index=pd.PeriodIndex([f"{c[:4]}-{c[4:]}" for c in months],
                                                    freq="M")))
    series = pd.concat(parts)
    # Where two files of the publication hold a month, the later file (the 24 months) wins.
    return series[~series.index.duplicated(keep="last")].sort_index()


_LOADED: dict[str, object] = {}


def _load(end: str):
    if end not in _LOADED:
        from scpb_analysis.sources.mps import read_mps_crime_for_period

        _need(BOROUGH)
        _LOADED[end] = read_mps_crime_for_period(BOROUGH, end)
    return _LOADED[end]


# -- seasonality on the real MPS files ------------------------------------------------------


@pytest.mark.parametrize(("end", "years"), [("2023-05", (2011, 2022)),
                                            ("2025-02", (2011, 2023))])
def test_seasonality_matches_the_raw_borough_files(end, years):
    series = _mps_series(end)
    used = series[(series.index.year >= years[0]) & (series.index.year <= years[1])]
    assert len(used) == 12 * (years[1] - years[0] + 1)
    days = pd.Series([m.days_in_month for m in used.index], index=used.index)
    per_day = used.groupby(used.index.month).sum() / days.groupby(days.index.month).sum()
    index = per_day / (used.sum() / days.sum())
    stat, p = _f_test(used)

    load = _load(end)
    out = seasonality(load.table, "Barnet", "violence_with_injury", end, breaks=load.breaks)
    assert out.available and out.years == list(range(years[0], years[1] + 1))
    table = out.table
    assert table["total"].tolist() == used.groupby(used.index.month).sum().tolist()
    np.testing.assert_allclose(table["seasonal_index"], index.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(table["mean_count"],
                               used.groupby(used.index.month).mean().to_numpy(), rtol=1e-12)
    assert out.test["F"] == pytest.approx(stat, rel=1e-5)
    assert out.test["p_value"] == pytest.approx(p, rel=1e-4)
    assert (out.test["df1"], out.test["df2"]) == (11, len(used) - 13)
    # Significant in both: the sentence names the months of the highest and lowest index.
    assert p < 0.05
    peak, trough = MONTHS[int(index.idxmax()) - 1], MONTHS[int(index.idxmin()) - 1]
    assert f"{peak} has the most offences per day" in out.text
    assert f"{trough} the fewest" in out.text
    assert "Months before April 2010 are not used" in out.text
    if end == "2025-02":
        # The February 2024 move to CONNECT is not bridged: 2024 is left out.
        assert "Months from February 2024 are not used" in out.text
        assert "CONNECT" in out.text


def test_seasonality_refuses_police_uk_with_one_complete_year():
    _need(AVON)
    files = sorted(p.name[:7] for p in AVON.glob("*-street.csv"))
    # The raw folder itself: 2023 whole, 2024 without July and August.
    assert "2024-07" not in files and "2024-08" not in files
    assert sum(f.startswith("2023") for f in files) == 12
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(SHARED_DATA, "Bristol, City of", "2024-12", cache_dir=None)
    out = seasonality(data.policeuk_area().table, data.area, "violence_and_sexual_offences",
                      "2024-12")
    assert not out.available and out.table.empty and math.isnan(out.test["F"])
    assert "only 1 complete calendar year (2023)" in out.text
    assert "no data for July 2024 to August 2024" in out.text


# -- seasonality on hand-built tables --------------------------------------------------------


def _crime(counts, start="2019-01", indicator="robbery_of_personal_property", scheme=None):
    months = pd.period_range(start, periods=len(counts), freq="M")
    frame = pd.DataFrame({"month": months, "area_type": "borough", "borough": "Barnet",
                          "indicator": indicator, "measure": "offences", "count": counts,
                          "publication": "MPS Borough Level Crime"})
    if scheme is not None:
        frame["scheme"] = scheme
    return frame


def test_no_pattern_is_named_when_the_test_is_not_significant():
    rng = np.random.default_rng(7)
    out = seasonality(_crime(rng.poisson(200, 48)), "Barnet", "robbery_of_personal_property",
                      "2022-12")
    assert out.test["p_value"] > 0.05
    assert "There is no clear seasonal pattern" in out.text
    assert "has the most offences per day" not in out.text


def test_too_few_offences_are_not_tested_and_say_why():
    # Homicide-like counts: a calendar month with none in any year has no finite fit (this
    # stopped Barking and Dagenham's page), and a handful a month is too few for the F test.
    counts = np.zeros(48, dtype=int)
    counts[[3, 15, 20, 30, 41]] = 1
    out = seasonality(_crime(counts), "Barnet", "robbery_of_personal_property", "2022-12")
    assert not out.available and out.table.empty and math.isnan(out.test["p_value"])
    assert ("not tested: 5 offences in the 4 complete calendar years 2019 to 2022 are too few"
            in out.text)
    few = np.ones(48, dtype=int)  # 4 in each calendar month over the 4 years: under 5
    assert "too few" in seasonality(_crime(few), "Barnet", "robbery_of_personal_property",
                                    "2022-12").text
    enough = seasonality(_crime(np.full(48, 2)), "Barnet", "robbery_of_personal_property",
                         "2022-12")
    assert enough.available and not math.isnan(enough.test["p_value"])


def test_a_break_is_not_bridged():
    counts = [100 + (50 if k % 12 == 6 else 0) for k in range(60)]
    breaks = pd.DataFrame({"publication": ["MPS Borough Level Crime"], "level": ["borough"],
                           "measure": ["offences"], "indicator": ["*"],
                           "month": [pd.Period("2021-01", "M")],
                           "kind": ["recording system change"], "detail": ["CRIS to CONNECT"]})
    out = seasonality(_crime(counts), "Barnet", "robbery_of_personal_property", "2023-12",
                      breaks=breaks)
    assert out.years == [2021, 2022, 2023]
    assert "Months before January 2021 are not used" in out.text
    # The move to CONNECT is found in the borough files' breaks, but it changed how every
    # MPS count was recorded: a VAWG or dashboard series is cut there too; another kind of
    # break of the borough files is not theirs.
    vawg = _crime(counts, indicator="vawg_offences").assign(publication="MPS VAWG offences")
    out = seasonality(vawg, "Barnet", "vawg_offences", "2023-12", breaks=breaks)
    assert out.years == [2021, 2022, 2023]
    out = seasonality(vawg, "Barnet", "vawg_offences", "2023-12",
                      breaks=breaks.assign(kind="coding change"))
    assert out.years == [2019, 2020, 2021, 2022, 2023]
    # A coding change seen only in the scheme column is a break too.
    scheme = ["old"] * 36 + ["new"] * 24
    out = seasonality(_crime(counts, scheme=scheme), "Barnet", "robbery_of_personal_property",
                      "2023-12")
    assert out.years == [2022, 2023]
    # With the break leaving one complete year on each side, no pattern is read across it.
    out = seasonality(_crime(counts[:30]), "Barnet", "robbery_of_personal_property",
                      "2021-06", breaks=breaks.assign(month=pd.Period("2020-01", "M")))
    assert not out.available
    assert "needs at least 2" in out.text


def test_a_missing_month_is_a_gap_not_zero():
    frame = _crime([100] * 48)
    frame = frame[frame["month"] != pd.Period("2021-07", "M")]
    out = seasonality(frame, "Barnet", "robbery_of_personal_property", "2022-12")
    # 2019 and 2020 before the gap; 2022 after it: the latest run with two years is used.
    assert out.years == [2019, 2020]
    assert any("July 2021 (a gap, not zero)" in n for n in out.notes)
    assert out.table["total"].sum() == 2400


def test_bad_input_is_refused():
    frame = _crime([100] * 24)
    with pytest.raises(ValueError, match="unknown indicator id"):
        seasonality(frame, "Barnet", "robbery_of_everything", "2020-12")
    with pytest.raises(ValueError, match="twice"):
        seasonality(pd.concat([frame, frame]), "Barnet", "robbery_of_personal_property",
                    "2020-12")
    with pytest.raises(ValueError, match="lacks column"):
        seasonality(frame.drop(columns="measure"), "Barnet", "robbery_of_personal_property",
                    "2020-12")
    with pytest.raises(ValueError, match="no Robbery of Personal Property for Camden"):
        seasonality(frame, "Camden", "robbery_of_personal_property", "2020-12")


# -- hour and weekday of CCTV incidents --------------------------------------------------


@pytest.fixture(scope="module")
def demo_log():
    from scpb_analysis.demo import example_folder
    from scpb_analysis.pack.data import open_pack_data

    folder = example_folder()
    data = open_pack_data(folder, "Barnet", "2023-05", cache_dir=None)
    return folder / "partnership" / "cctv_incidents.csv", data.partnership().loads["cctv"].table


def _staffed(day: pd.Timestamp, hour: int) -> bool:
    return day >= pd.Timestamp("2022-09-01") or hour >= 12 or hour < 4


def test_cctv_profile_matches_the_demo_csv(demo_log):
    from scipy.stats import chisquare

    path, table = demo_log
    raw = pd.read_csv(path)
    when = pd.to_datetime(raw["Date/Time"], dayfirst=True)
    keep = raw["Incident Type"].isin(list(CCTV_VIOLENCE_TYPES)) & (when.dt.to_period("M")
                                                                  <= pd.Period("2023-05", "M"))
    when = when[keep]
    counts = pd.crosstab(when.dt.day_of_week, when.dt.hour).reindex(
        index=range(7), columns=range(24), fill_value=0)
    days = pd.date_range(when.min().normalize().replace(day=1), "2023-05-31")
    exposure = np.zeros((7, 24), int)
    for day in days:
        for hour in range(24):
            exposure[day.day_of_week, hour] += _staffed(day, hour)

    out = hour_weekday_profile(table)
    grid = out.table.pivot(index="weekday", columns="hour", values="count").to_numpy()
    np.testing.assert_array_equal(grid, counts.to_numpy())
    assert out.table["staffed_hours"].to_numpy().reshape(7, 24).tolist() == exposure.tolist()
    assert out.table["share"].sum() == pytest.approx(1.0)
    assert len(out.set_aside) == 0
    by_hour = counts.sum(axis=0).to_numpy()
    stat, p = chisquare(by_hour, exposure.sum(0) / exposure.sum() * by_hour.sum())
    row = out.tests.set_index("test").loc["hour of day"]
    assert row["chi_square"] == pytest.approx(stat) and row["p_value"] == pytest.approx(p)
    by_day = counts.sum(axis=1).to_numpy()
    stat, p = chisquare(by_day, exposure.sum(1) / exposure.sum() * by_day.sum())
    row = out.tests.set_index("test").loc["weekday"]
    assert row["chi_square"] == pytest.approx(stat) and row["p_value"] == pytest.approx(p)
    # Hours 04:00-12:00 were closed before September 2022: fewer staffed hours, not zeros.
    assert (out.by_hour.loc[4:11, "staffed_hours"] < out.by_hour.loc[12, "staffed_hours"]).all()
    if row["p_value"] >= 0.05:
        assert "By weekday, the spread is no more uneven than chance" in out.text
    rates = out.by_hour["count"] / out.by_hour["staffed_hours"] * 100
    busiest = out.by_hour.loc[rates.idxmax(), "hour_label"]
    if out.tests.set_index("test").loc["hour of day", "p_value"] < 0.05:
        assert f"per 100 staffed hours: {busiest}" in out.text


def test_cctv_incidents_when_the_room_was_closed_are_set_aside():
    log = pd.DataFrame({"occurred_at": pd.to_datetime(
        ["2022-05-02 04:00", "2022-05-03 07:15", "2022-05-03 13:00", "2022-09-05 07:15"]),
        "incident_type": ["Violent Crime", "Robbery", "Knife Crime", "Violent Crime"]})
    out = hour_weekday_profile(log)
    assert out.set_aside["count"].sum() == 2
    assert "04:00, 07:15" in out.set_aside["reason"].iloc[0]
    assert out.table["count"].sum() == 2
    # Hour 7 was staffed only from September: its staffed hours are September's 30 days.
    assert out.by_hour.loc[7, "staffed_hours"] == 30
    # June to August hold no incident of any type: months the log does not cover, left out.
    assert out.by_hour.loc[13, "staffed_hours"] == 31 + 30
    assert "June 2022 to August 2022" in out.notes[0]
    assert "2 incidents logged in an hour the room was not staffed" in out.text


def test_cctv_bad_input_is_refused():
    log = pd.DataFrame({"occurred_at": pd.to_datetime(["2023-01-02 13:00"]),
                        "incident_type": ["Violent Crime"], "hour": [14], "source_row": [5]})
    with pytest.raises(ValueError, match="CCTV row 5: 'hour' 14"):
        hour_weekday_profile(log)
    with pytest.raises(ValueError, match="not in the CCTV vocabulary"):
        hour_weekday_profile(log.drop(columns="hour"), types=["Stabbing"])
    with pytest.raises(ValueError, match="lacks column 'incident_type'"):
        hour_weekday_profile(log.drop(columns="incident_type"))


# -- what the data cannot tell -----------------------------------------------------------


def test_timing_gaps():
    london = timing_gaps("london", has_cctv=False).set_index("question")["answerable"]
    assert london["At what time of day does violence happen?"] == "no"
    assert london["Which months of the year see most violence?"] == "yes"
    with_cctv = timing_gaps("policeuk", has_cctv=True).set_index("question")
    assert with_cctv.loc["At what time of day does violence happen?", "answerable"] == "in part"
    assert "police.uk" in with_cctv.loc["At what time of day does violence happen?", "why"]
    assert not (timing_gaps("policeuk", False) == "").any().any()
    with pytest.raises(ValueError, match="kind must be"):
        timing_gaps("scotland", False)
