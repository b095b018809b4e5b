"""Weighted displacement difference: the paper's worked example, ptools' examples, hand-computed
cases, harm weights, bad input and a ward of the real MPS data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.stats.wdd import COUNT_COLUMNS, harm_weighted_wdd, wdd

COLUMNS = COUNT_COLUMNS + ["value", "variance", "se", "z", "p_value", "lower", "upper",
                           "confidence", "method"]


def _tidy(cells: dict[tuple[str, str], dict[str, int]]) -> pd.DataFrame:
    """Tidy counts from {(role, period): {offence: count}}."""
    return pd.DataFrame([
        {"role": role, "period": period, "offence": offence, "count": count}
        for (role, period), by_offence in cells.items() for offence, count in by_offence.items()
    ])


# ---------------------------------------------------------------------------
# Published and reference values
# ---------------------------------------------------------------------------


def test_worked_example_of_wheeler_and_ratcliffe_2018():
    # Wheeler & Ratcliffe (2018), Crime Science 7:11, worked example: treated 207 -> 110,
    # control 308 -> 318, displacement 178 -> 157, displacement control 150 -> 140; printed
    # WDD -118, variance 1568 (SE 39.6), z -2.98, 95% interval -196 to -40. (The same numbers
    # are the "Est & Variance Paper" test in ptools, tests/testthat/test-wdd.R.)
    row = wdd((207, 110), (308, 318), (178, 157), (150, 140)).iloc[0]
    assert row["value"] == -118
    assert row["variance"] == 1568
    assert row["se"] == pytest.approx(math.sqrt(1568))
    assert round(row["z"], 2) == -2.98
    assert (round(row["lower"]), round(row["upper"])) == (-196, -40)
    # Two-sided normal p-value by an independent formula, erfc(|z| / sqrt 2).
    assert row["p_value"] == pytest.approx(math.erfc(118 / math.sqrt(1568) / math.sqrt(2)))
    assert row["confidence"] == 0.95


def test_ptools_readme_example_at_90_percent():
    # ptools README / rdocumentation: wdd(c(20,20), c(20,10)) (control first) prints
    # Est_Total -10, SE_Total 8.366600, Z -1.195229, LowCI -23.761833, HighCI 3.761833
    # at its default alpha = 0.1.
    row = wdd((20, 10), (20, 20), confidence=0.9).iloc[0]
    assert row["value"] == -10
    assert row["se"] == pytest.approx(8.366600, abs=5e-7)
    assert row["z"] == pytest.approx(-1.195229, abs=5e-7)
    assert row["lower"] == pytest.approx(-23.761833, abs=5e-6)
    assert row["upper"] == pytest.approx(3.761833, abs=5e-6)


@pytest.mark.parametrize("args, estimate", [
    # ptools tests/testthat/test-wdd.R "Displacement -10" and "Total -20" (control first there).
    (((20, 20), (20, 20), (20, 10), (20, 20)), -10),
    (((20, 10), (20, 20), (20, 10), (20, 20)), -20),
])
def test_ptools_displacement_and_total_estimates(args, estimate):
    assert wdd(*args).loc[0, "value"] == estimate


def test_time_weights_as_ptools_and_wheelers_2021_post():
    # ptools "Time Weights" test, from Wheeler's post "The WDD test with different pre/post
    # time periods" (andrewpwheeler.com, 2021-01-09): control 100 -> 50, treated 80 -> 20 with
    # a before period twice as long: estimate -20, SE sqrt(115).
    row = wdd((80, 20), (100, 50), time_weights=(2, 1)).iloc[0]
    assert row["value"] == pytest.approx(-20)
    assert row["se"] == pytest.approx(math.sqrt(115))
    assert "before 2, after 1" in row["method"]


# ---------------------------------------------------------------------------
# Hand-computed cases
# ---------------------------------------------------------------------------


def test_hand_computed_without_displacement():
    # (30 - 50) - (45 - 40) = -25; variance 50 + 30 + 40 + 45 = 165.
    row = wdd((50, 30), (40, 45)).iloc[0]
    assert row["value"] == -25
    assert row["variance"] == 165
    z = -25 / math.sqrt(165)
    assert row["z"] == pytest.approx(z)
    assert row["lower"] == pytest.approx(-25 - 1.959963984540054 * math.sqrt(165))
    assert row[["displacement_before", "displacement_after", "displacement_control_before",
                "displacement_control_after"]].isna().all()
    assert "treated area against its control" in row["method"]


def test_hand_computed_with_displacement_and_time_weights():
    # Before 24 months, after 12. Per month: treated 48/24=2 -> 12/12=1, control 72/24=3 ->
    # 30/12=2.5, displacement 24/24=1 -> 18/12=1.5, its control 96/24=4 -> 36/12=3.
    # WDD = (1 - 2) - (2.5 - 3) + (1.5 - 1) - (3 - 4) = -1 + 0.5 + 0.5 + 1 = 1.
    # Variance = (48 + 72 + 24 + 96) / 24**2 + (12 + 30 + 18 + 36) / 12**2 = 240/576 + 96/144.
    row = wdd((48, 12), (72, 30), (24, 18), (96, 36), time_weights=(24, 12)).iloc[0]
    assert row["value"] == pytest.approx(1.0)
    assert row["variance"] == pytest.approx(240 / 576 + 96 / 144)
    # The counts are reported as given, not per month.
    assert row[COUNT_COLUMNS].tolist() == [48, 12, 72, 30, 24, 18, 96, 36]
    assert row["p_value"] == pytest.approx(math.erfc(abs(row["z"]) / math.sqrt(2)))


def test_equal_time_weights_of_any_length_only_rescale():
    plain = wdd((50, 30), (40, 45)).iloc[0]
    months = wdd((50, 30), (40, 45), time_weights=(12, 12)).iloc[0]
    assert months["value"] == pytest.approx(plain["value"] / 12)
    assert months["z"] == pytest.approx(plain["z"])
    assert months["p_value"] == pytest.approx(plain["p_value"])


def test_output_schema_and_one_row():
    out = wdd((5, 3), (4, 4))
    assert out.columns.tolist() == COLUMNS
    assert len(out) == 1
    assert "Wheeler & Ratcliffe 2018" in out.loc[0, "method"]
    assert "95%" in out.loc[0, "method"]


def test_wider_confidence_widens_the_interval():
    narrow = wdd((50, 30), (40, 45), confidence=0.9).iloc[0]
    wide = wdd((50, 30), (40, 45), confidence=0.99).iloc[0]
    assert wide["lower"] < narrow["lower"] < narrow["upper"] < wide["upper"]
    assert narrow["p_value"] == wide["p_value"]


# ---------------------------------------------------------------------------
# Harm-weighted WDD
# ---------------------------------------------------------------------------

CELLS = {
    ("treated", "before"): {"robbery": 20, "burglary": 25, "theft": 70},
    ("treated", "after"): {"robbery": 10, "burglary": 20, "theft": 20},
    ("control", "before"): {"robbery": 20, "burglary": 30, "theft": 80},
    ("control", "after"): {"robbery": 20, "burglary": 30, "theft": 60},
}
DISPLACEMENT = {
    ("displacement", "before"): {"robbery": 8, "burglary": 12, "theft": 30},
    ("displacement", "after"): {"robbery": 11, "burglary": 9, "theft": 33},
    ("displacement_control", "before"): {"robbery": 15, "burglary": 14, "theft": 40},
    ("displacement_control", "after"): {"robbery": 13, "burglary": 16, "theft": 38},
}
WEIGHTS = {"robbery": 10, "burglary": 5, "theft": 1}


def test_harm_weighted_hand_computed_like_ptools_wdd_harm_example():
    # The crimes and weights of ptools' wdd_harm() example (robbery, burglary, theft with
    # weights 10, 5, 1). Per-offence WDDs: robbery (10-20)-(20-20) = -10, burglary
    # (20-25)-(30-30) = -5, theft (20-70)-(60-80) = -30; harm = -100 - 25 - 30 = -155.
    # Variance = 100*70 + 25*105 + 1*230 = 9855.
    row = harm_weighted_wdd(_tidy(CELLS), WEIGHTS).iloc[0]
    assert row["value"] == -155
    assert row["variance"] == 9855
    assert row["treated_before"] == 10 * 20 + 5 * 25 + 70
    assert row["control_after"] == 10 * 20 + 5 * 30 + 60
    assert "Harm-weighted" in row["method"]
    assert "3 offences total 16" in row["method"]


@pytest.mark.parametrize("cells", [CELLS, {**CELLS, **DISPLACEMENT}])
def test_harm_weighted_equals_weighted_sum_of_per_offence_wdds(cells):
    # ptools wdd_harm(): sum of w * estimate, variance sum of w**2 * se**2, each per-offence
    # WDD from wdd() itself -- a different route to the same numbers.
    counts = _tidy(cells)
    out = harm_weighted_wdd(counts, WEIGHTS).iloc[0]
    estimate = variance = 0.0
    for offence, w in WEIGHTS.items():
        pairs = [tuple(cells[(role, period)][offence] for period in ("before", "after"))
                 for role in ("treated", "control", "displacement", "displacement_control")
                 if (role, "before") in cells]
        one = wdd(*pairs).iloc[0]
        estimate += w * one["value"]
        variance += w ** 2 * one["se"] ** 2
    assert out["value"] == pytest.approx(estimate)
    assert out["variance"] == pytest.approx(variance)


def test_harm_weighted_variance_is_brute_force_sum_of_w2_count():
    counts = _tidy({**CELLS, **DISPLACEMENT})
    brute = sum(WEIGHTS[o] ** 2 * c for o, c in zip(counts["offence"], counts["count"],
                                                      strict=True))
    assert harm_weighted_wdd(counts, WEIGHTS).loc[0, "variance"] == pytest.approx(brute)


@pytest.mark.parametrize("cells", [CELLS, {**CELLS, **DISPLACEMENT}])
def test_harm_weights_of_one_reproduce_wdd_on_the_totals(cells):
    counts = _tidy(cells)
    ones = dict.fromkeys(WEIGHTS, 1)
    harm = harm_weighted_wdd(counts, pd.Series(ones), confidence=0.9)
    roles = [r for r in ("treated", "control", "displacement", "displacement_control")
             if (r, "before") in cells]
    totals = [tuple(sum(cells[(r, p)].values()) for p in ("before", "after")) for r in roles]
    plain = wdd(*totals, confidence=0.9)
    numeric = [c for c in COLUMNS if c != "method"]
    pd.testing.assert_frame_equal(harm[numeric], plain[numeric], check_dtype=False)


def test_repeated_rows_are_added_up_and_absent_offences_count_zero():
    monthly = _tidy(CELLS)
    split = pd.concat([monthly.assign(count=monthly["count"] // 2),
                       monthly.assign(count=monthly["count"] - monthly["count"] // 2)])
    assert harm_weighted_wdd(split, WEIGHTS).equals(harm_weighted_wdd(monthly, WEIGHTS))
    # No robbery row in the treated area after: that cell is 0.
    gap = monthly[~((monthly["role"] == "treated") & (monthly["period"] == "after")
                    & (monthly["offence"] == "robbery"))]
    zero = monthly.copy()
    zero.loc[(zero["role"] == "treated") & (zero["period"] == "after")
             & (zero["offence"] == "robbery"), "count"] = 0
    pd.testing.assert_frame_equal(harm_weighted_wdd(gap, WEIGHTS),
                                  harm_weighted_wdd(zero, WEIGHTS))


def test_weights_for_offences_not_in_counts_are_ignored():
    extra = {**WEIGHTS, "arson": 50}
    pd.testing.assert_frame_equal(harm_weighted_wdd(_tidy(CELLS), extra),
                                  harm_weighted_wdd(_tidy(CELLS), WEIGHTS))


# ---------------------------------------------------------------------------
# Bad input is refused, naming what is wrong
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"treated": (-1, 5)}, "treated before count must be a whole number"),
    ({"control": (5, float("nan"))}, "control after count must be a whole number"),
    ({"control": (5, math.inf)}, "control after count"),
    ({"treated": (2.5, 5)}, "treated before count must be a whole number.*time_weights"),
    ({"treated": ("12", 5)}, "treated before count"),
    ({"treated": (1, 2, 3)}, "treated must be a .before, after. pair"),
    ({"treated": 5}, "treated must be a .before, after. pair"),
    ({"displacement": (3, 4)}, "only displacement was given"),
    ({"displacement_control": (3, 4)}, "only displacement_control was given"),
    ({"displacement": (3, -4), "displacement_control": (1, 1)}, "displacement after count"),
    ({"time_weights": (0, 12)}, "time_weights before length must be a number greater than 0"),
    ({"time_weights": (12, -1)}, "time_weights after length"),
    ({"time_weights": (12,)}, "time_weights must be the .before, after. lengths"),
    ({"confidence": 95}, "confidence must be between 0.5 and 1"),
    ({"treated": (0, 0), "control": (0, 0)}, "every count is 0"),
])
def test_wdd_refuses_bad_input(kwargs, message):
    args = {"treated": (10, 8), "control": (12, 12), **kwargs}
    with pytest.raises(ValueError, match=message):
        wdd(**args)


def _bad(change):
    counts = _tidy(CELLS)
    change(counts)
    return counts


@pytest.mark.parametrize("counts, weights, message", [
    (_tidy(CELLS).drop(columns="offence"), WEIGHTS, "no column.*offence"),
    (_bad(lambda c: c.__setitem__("role", c["role"].replace("control", "comparison"))),
     WEIGHTS, "role 'comparison' is not one of"),
    (_bad(lambda c: c.__setitem__("period", c["period"].replace("after", "post"))),
     WEIGHTS, "period 'post' is not one of before, after"),
    (_bad(lambda c: c.__setitem__("count", c["count"].where(c.index != 4, -3))),
     WEIGHTS, "counts row 4: count must be a whole number of 0 or more; got -3"),
    (_bad(lambda c: c.__setitem__("count", c["count"].astype(float).where(c.index != 2))),
     WEIGHTS, "counts row 2: count must be a whole number"),
    (_bad(lambda c: c.__setitem__("count", c["count"].astype(object).where(c.index != 1, "12"))),
     WEIGHTS, "counts row 1: count must be a whole number of 0 or more; got '12'"),
    (_tidy(CELLS), {"robbery": 10, "burglary": 5}, "no harm weight for offence.*'theft'"),
    (_tidy(CELLS), {**WEIGHTS, "theft": -1}, "harm weight of offence 'theft'"),
    (_tidy(CELLS), {**WEIGHTS, "theft": float("nan")}, "harm weight of offence 'theft'"),
    (_tidy(CELLS), [1, 2, 3], "weights must be a pandas Series or a dict"),
    (_tidy({k: v for k, v in CELLS.items() if k != ("treated", "after")}), WEIGHTS,
     "no treated rows for the after period"),
    (_tidy({k: v for k, v in CELLS.items() if k != ("control", "before")}), WEIGHTS,
     "no control rows for the before period"),
    (_tidy({**CELLS, ("displacement", "before"): {"theft": 3},
            ("displacement", "after"): {"theft": 3}}), WEIGHTS,
     "displacement rows but not the other displacement role"),
    (_tidy({**CELLS, **{k: v for k, v in DISPLACEMENT.items()
                        if k != ("displacement_control", "after")}}), WEIGHTS,
     "no displacement_control rows for the after period"),
])
def test_harm_weighted_refuses_bad_input(counts, weights, message):
    with pytest.raises(ValueError, match=message):
        harm_weighted_wdd(counts, weights)


# ---------------------------------------------------------------------------
# Real data: a Barnet ward against its neighbouring wards (MPS ward-level recorded crime)
# ---------------------------------------------------------------------------

WARD_FILE = (SHARED_DATA / "mps" / "ward"
             / "MPS Ward Level Crime (most recent 24 months)_202202-202401_wards2022.csv")
WARD_BOUNDARIES = (SHARED_DATA / "boundaries" / "wards-2022-barnet-os"
                   / "OSBoundaryLine - BarnetWards.geojson")


@pytest.fixture(scope="module")
def barnet_burglary():
    for path in (WARD_FILE, WARD_BOUNDARIES):
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    gpd = pytest.importorskip("geopandas")
    wards = gpd.read_file(WARD_BOUNDARIES).to_crs(27700)
    treated = wards.loc[wards["WardName"] == "Burnt Oak", "geometry"].iloc[0]
    # Neighbours share a boundary; the 1 m buffer absorbs digitising gaps between polygons.
    touching = wards.geometry.intersects(treated.buffer(1)) & (wards["WardName"] != "Burnt Oak")
    neighbours = sorted(wards.loc[touching, "WardName"])
    crime = pd.read_csv(WARD_FILE)
    crime = crime[(crime["LookUp_BoroughName"] == "Barnet") & (crime["MajorText"] == "Burglary")]
    months = [c for c in crime.columns if c.isdigit()]
    return crime, neighbours, months[:12], months[12:]


def test_real_ward_against_its_neighbours(barnet_burglary):
    crime, neighbours, before, after = barnet_burglary
    assert neighbours == ["Colindale North", "Colindale South", "Edgware", "Mill Hill"]
    assert (before[0], before[-1], after[0], after[-1]) == ("202202", "202301", "202302", "202401")
    treated = crime[crime["WardName"] == "Burnt Oak"]
    control = crime[crime["WardName"].isin(neighbours)]
    t = (int(treated[before].to_numpy().sum()), int(treated[after].to_numpy().sum()))
    c = (int(control[before].to_numpy().sum()), int(control[after].to_numpy().sum()))
    row = wdd(t, c).iloc[0]
    assert row["value"] == (t[1] - t[0]) - (c[1] - c[0])
    assert row["variance"] == sum(t) + sum(c)
    # Minor categories (domestic; business and community) as offences with weight 1: the same.
    long = pd.concat([
        frame.melt(id_vars="MinorText", value_vars=months, var_name="month", value_name="count")
        .assign(role=role, period=lambda d, b=before: np.where(d["month"].isin(b), "before",
                                                                "after"))
        for role, frame, months in (("treated", treated, before + after),
                                    ("control", control, before + after))
    ]).rename(columns={"MinorText": "offence"})
    ones = dict.fromkeys(long["offence"].unique(), 1.0)
    harm = harm_weighted_wdd(long, ones).iloc[0]
    assert harm["value"] == row["value"]
    assert harm["variance"] == row["variance"]
