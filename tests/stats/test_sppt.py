"""Andresen's spatial point pattern test, checked against the ``sppt`` package (PyPI 0.1.7, a port
of Andresen's R package sppt.aggregated.data), against the exact sampling distributions, and on
hand-computed cases.

The package draws its bootstrap one crime at a time (a multinomial over the n crimes) and this
module one area at a time (a multinomial over the areas with the crimes' shares): the same
distribution, different random streams. So results are compared exactly where the test is
deterministic, and elsewhere within Monte Carlo error: each interval limit within a tolerance
derived below, and the similarity call on every area whose base share is farther than that
tolerance from the limits.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA
from scipy.stats import binom, hypergeom

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.stats.sppt import SpptResult, sppt

pkg = pytest.importorskip("sppt", reason="the sppt package (test extra) is the reference")

BURGLARY = SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv"


def _package(base: pd.Series, test: pd.Series, *, fix_base: bool, samples: int = 200,
             seed: int = 7) -> pd.DataFrame:
    """The sppt package's intervals, similarity and S-indices, indexed by area."""
    frame = pd.DataFrame({"area": base.index, "base": base.to_numpy(),
                          "test": test.reindex(base.index).to_numpy()})
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a summary box
        out = pkg.sppt(frame, group_col="area", count_col=["base", "test"], B=samples,
                       seed=seed, check_overlap=True, fix_base=fix_base, create_maps=False)
    data = out.data.set_index("area")
    data.attrs.update(s_index=out.s_index, robust_s_index=out.robust_s_index)
    return data


def _tolerance(counts: np.ndarray, samples: int) -> np.ndarray:
    """Allowed difference between two Monte Carlo estimates of a 2.5%/97.5% limit, in points.

    A sampled percentage has standard deviation sd = 100 sqrt(p(1 - p) / n). The standard
    error of an estimated 2.5% quantile from B samples is about sd sqrt(q(1 - q) / B) /
    phi(1.96) = 2.67 sd / sqrt(B); the difference of two independent estimates has sqrt(2)
    times that, and four of those standard errors is 15.1 sd / sqrt(B). One step of the
    percentage (100 / n) is added for the discreteness of counts.
    """
    n = counts.sum()
    p = counts / n
    sd = 100 * np.sqrt(p * (1 - p) / n)
    return 15.1 * sd / np.sqrt(samples) + 100 / n


# ---------------------------------------------------------------------------------------------
# Deterministic cases: identical to the package and to a hand computation


@pytest.mark.parametrize("bootstrap,fix_base", [("test", True), ("both", False)])
def test_degenerate_patterns_match_package_and_hand(bootstrap, fix_base):
    # All base crimes in A and all test crimes in B: every sample puts 100% in one area, so
    # the intervals are [100, 100] or [0, 0] whatever the draws. By hand: A and B differ
    # (A lower in the test period, B higher), C (no crime at all) is similar. S = 1/3; the
    # robust S leaves C out: 0/2.
    base = pd.Series({"A": 4, "B": 0, "C": 0})
    test = pd.Series({"A": 0, "B": 5, "C": 0})
    mine = sppt(base, test, sample_share=1.0, bootstrap=bootstrap)
    ref = _package(base, test, fix_base=fix_base)
    areas = mine.areas.set_index("area_code")
    assert areas["lower"].tolist() == ref["test_L"].tolist() == [0.0, 100.0, 0.0]
    assert areas["upper"].tolist() == ref["test_U"].tolist() == [0.0, 100.0, 0.0]
    assert areas["similarity"].tolist() == ref["intervals_overlap"].tolist() == [0, 0, 1]
    assert areas["direction"].tolist() == ["lower in test period", "higher in test period",
                                           "similar"]
    summary = mine.summary.iloc[0]
    assert summary["s_index"] == ref.attrs["s_index"] == pytest.approx(1 / 3)
    assert summary["robust_s_index"] == ref.attrs["robust_s_index"] == 0.0
    assert summary["areas_used_robust"] == 2


def test_hand_computed_share_outside_interval():
    # Test crimes all in A, so the test interval is A [100, 100], B [0, 0]. Base shares are
    # A 25% (below 100: a larger share in the test period) and B 75% (above 0: smaller).
    result = sppt(pd.Series({"A": 1, "B": 3}), pd.Series({"A": 2, "B": 0}))
    areas = result.areas
    assert areas["base_percent"].tolist() == [25.0, 75.0]
    assert areas["test_percent"].tolist() == [100.0, 0.0]
    assert areas["direction"].tolist() == ["higher in test period", "lower in test period"]
    assert result.summary.loc[0, "s_index"] == 0.0
    assert isinstance(result, SpptResult)


def test_same_pattern_is_similar_everywhere():
    # The test period is the base period doubled: the same shares, so every area's base share
    # sits at the centre of its sampling distribution.
    base = pd.Series({"A": 120, "B": 80, "C": 40, "D": 10})
    result = sppt(base, base * 2)
    assert result.summary.loc[0, "s_index"] == 1.0
    assert (result.areas["direction"] == "similar").all()


# ---------------------------------------------------------------------------------------------
# Against the exact sampling distributions


def _quantile_tolerance(sd: float, samples: int, n: int) -> float:
    """Four Monte Carlo standard errors of an estimated 2.5% quantile (see :func:`_tolerance`),
    plus one step of the percentage for the discreteness of counts."""
    return 4 * 2.67 * sd / np.sqrt(samples) + 100 / n


def test_full_bootstrap_interval_is_the_binomial_quantile():
    # With replacement and 100% samples, an area's count in a sample is Binomial(n, p), so the
    # interval limits estimate its 2.5% and 97.5% quantiles over n. The crimes and samples are
    # many enough that an 85% sample (an interval 8.5% wider) would fail the tolerance.
    test = pd.Series({"A": 800, "B": 500, "C": 400, "D": 200, "E": 100})
    n, samples = int(test.sum()), 20_000
    result = sppt(test, test, samples=samples, sample_share=1.0)
    for row in result.areas.itertuples():
        p = row.test_count / n
        tol = _quantile_tolerance(100 * np.sqrt(p * (1 - p) / n), samples, n)
        assert abs(row.lower - binom.ppf(0.025, n, p) / n * 100) <= tol
        assert abs(row.upper - binom.ppf(0.975, n, p) / n * 100) <= tol


def test_without_replacement_interval_is_the_hypergeometric_quantile():
    # Steenbeek's R sppt draws 85% without replacement: an area's count in a sample of
    # m = 1700 of the N = 2000 crimes is hypergeometric(N, K, m).
    test = pd.Series({"A": 800, "B": 500, "C": 400, "D": 200, "E": 100})
    samples = 20_000
    result = sppt(test, test, samples=samples, replace=False)
    for row in result.areas.itertuples():
        dist = hypergeom(2000, row.test_count, 1700)
        tol = _quantile_tolerance(dist.std() / 1700 * 100, samples, 1700)
        assert abs(row.lower - dist.ppf(0.025) / 1700 * 100) <= tol
        assert abs(row.upper - dist.ppf(0.975) / 1700 * 100) <= tol
    assert "without replacement" in result.summary.loc[0, "method"]


# ---------------------------------------------------------------------------------------------
# Against the sppt package on random cases


def _compare_with_package(base: pd.Series, test: pd.Series, bootstrap: str,
                          samples: int = 2000) -> None:
    """Same variant as the package, up to Monte Carlo error (the sample size itself is pinned
    more tightly by the exact-distribution tests above)."""
    mine = sppt(base, test, sample_share=1.0, bootstrap=bootstrap, samples=samples)
    ref = _package(base, test, fix_base=bootstrap == "test", samples=samples)
    areas = mine.areas.set_index("area_code").loc[ref.index]
    tol_t = _tolerance(test.loc[ref.index].to_numpy(), samples)
    tol_b = _tolerance(base.loc[ref.index].to_numpy(), samples)
    assert np.all(np.abs(areas["lower"] - ref["test_L"]) <= tol_t)
    assert np.all(np.abs(areas["upper"] - ref["test_U"]) <= tol_t)
    if bootstrap == "both":
        assert np.all(np.abs(areas["base_lower"] - ref["base_L"]) <= tol_b)
        assert np.all(np.abs(areas["base_upper"] - ref["base_U"]) <= tol_b)
        margin = tol_b + tol_t
    else:
        assert np.allclose(areas["base_lower"], ref["base_L"])
        margin = tol_t
    # An area is borderline when its base limit lies within the margin of a test limit.
    gap = np.minimum(np.abs(areas["base_upper"] - areas["lower"]),
                     np.abs(areas["base_lower"] - areas["upper"]))
    clear = gap > margin
    assert clear.sum() >= len(ref) // 2, "the case should have mostly clear-cut areas"
    assert (areas.loc[clear, "similarity"] == ref.loc[clear, "intervals_overlap"]).all()
    borderline = int((~clear).sum())
    assert abs(mine.summary.loc[0, "s_index"] - ref.attrs["s_index"]) <= borderline / len(ref)
    robust = areas["in_robust"]
    assert robust.sum() == ((base + test).loc[ref.index] > 0).sum()


@pytest.mark.parametrize("bootstrap", ["test", "both"])
def test_synthetic_pattern_agrees_with_package(bootstrap):
    rng = np.random.default_rng(3)
    shares = rng.dirichlet(np.ones(40))
    base = pd.Series(rng.multinomial(3000, shares), index=[f"E{i:02d}" for i in range(40)])
    moved = shares * rng.uniform(0.5, 1.6, size=40)
    test = pd.Series(rng.multinomial(2500, moved / moved.sum()), index=base.index)
    base.iloc[:3] = 0  # some empty areas, two of them empty in both periods
    test.iloc[:2] = 0
    _compare_with_package(base, test, bootstrap)


# ---------------------------------------------------------------------------------------------
# Robust S-index, missing areas, text


def test_robust_s_index_leaves_out_areas_empty_in_both_periods():
    base = pd.Series({"A": 50, "B": 50, "C": 0, "D": 0, "E": 0, "F": 0})
    test = pd.Series({"A": 90, "B": 10, "C": 0, "D": 0, "E": 0, "F": 0})
    result = sppt(base, test)
    areas = result.areas.set_index("area_code")
    assert areas["in_robust"].tolist() == [True, True, False, False, False, False]
    # C..F are similar by construction (0% in both, test interval [0, 0]); A and B moved.
    assert areas["similarity"].tolist() == [0, 0, 1, 1, 1, 1]
    summary = result.summary.iloc[0]
    assert summary["s_index"] == pytest.approx(4 / 6)
    assert summary["robust_s_index"] == 0.0
    assert summary["areas_used_robust"] == 2
    ref = _package(base, test, fix_base=True)
    assert ref.attrs["robust_s_index"] == summary["robust_s_index"]


def test_area_missing_from_one_period_counts_zero_and_is_said():
    base = pd.Series({"A": 10, "B": 10, "C": 5})
    test = pd.Series({"A": 12, "B": 9})
    result = sppt(base, test, what="burglary", area_noun="wards", periods=("2021", "2023"))
    areas = result.areas.set_index("area_code")
    assert areas.loc["C", "test_count"] == 0
    assert result.summary.loc[0, "areas_filled_zero"] == 1
    assert "1 area counts absent from one period's table were taken as 0" in result.text
    assert result.text.startswith("The pattern of burglary was similar in ")
    assert "in 2023 than in 2021" in result.text


def test_same_seed_same_result_other_seed_other_draws():
    base = pd.Series(dict(zip("ABCDEFGH", [30, 22, 18, 12, 9, 5, 3, 1], strict=True)))
    test = pd.Series(dict(zip("ABCDEFGH", [20, 25, 10, 14, 12, 9, 6, 4], strict=True)))
    one, two = sppt(base, test), sppt(base, test)
    pd.testing.assert_frame_equal(one.areas, two.areas)
    other = sppt(base, test, seed=1)
    assert not np.allclose(one.areas["lower"], other.areas["lower"])


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("base,match", [
    (pd.Series({"A": -1, "B": 3}), "base count for area 'A' is negative"),
    (pd.Series({"A": 1.5, "B": 3}), "base count for area 'A' is not a whole number"),
    (pd.Series({"A": np.nan, "B": 3}), "base count for area 'A' is missing"),
    (pd.Series({"A": "x", "B": 3}), "base count for area 'A' is not a number"),
    (pd.Series([1, 2], index=["A", "A"]), "area 'A' appears more than once"),
    (pd.Series({"A": 0, "B": 0}), "base period has no crimes"),
    (pd.Series({"A": True, "B": False}), "True/False"),
    ({"A": 1}, "pandas Series"),
])
def test_bad_counts_are_refused(base, match):
    with pytest.raises(InputDataError, match=match):
        sppt(base, pd.Series({"A": 2, "B": 3}))


@pytest.mark.parametrize("kwargs,match", [
    ({"bootstrap": "neither"}, "bootstrap must be 'test'"),
    ({"sample_share": 0}, "sample_share must be above 0"),
    ({"sample_share": 1.2}, "sample_share must be above 0"),
    ({"confidence": 95}, "confidence must be between 0 and 1"),
    ({"samples": 20}, "20 samples cannot estimate a 95% interval"),
    ({"sample_share": 1.0, "replace": False}, "same sample each time"),
    ({"sample_share": 0.01}, "holds none"),
])
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sppt(pd.Series({"A": 10, "B": 20}), pd.Series({"A": 12, "B": 18}), **kwargs)


# ---------------------------------------------------------------------------------------------
# Real data: Barnet police.uk burglary by 2022 ward, 2021 against 2023


@pytest.fixture(scope="module")
def barnet_ward_counts():
    if not BURGLARY.exists():
        pytest.skip(f"real public data not found at {BURGLARY}: these tests read "
                    "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    import geopandas as gpd

    from scpb_analysis.geo.assign import assign_wards
    from scpb_analysis.sources.boundaries import load_wards

    wards = load_wards(SHARED_DATA, "Barnet")
    points = pd.read_csv(BURGLARY, usecols=["Month", "Longitude", "Latitude"])
    points = points[points["Month"].str[:4].isin(["2021", "2023"])].rename(
        columns={"Longitude": "longitude", "Latitude": "latitude"})
    assigned = assign_wards(points, wards).points.dropna(subset=["ward_code"])
    year = assigned["Month"].str[:4]
    counts = {y: assigned[year == y].groupby("ward_code").size().reindex(
        wards["ward_code"], fill_value=0) for y in ("2021", "2023")}
    # The ward counts recounted independently with a geopandas spatial join.
    geo = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["longitude"],
                                                               points["latitude"]), crs=4326)
    joined = gpd.sjoin(geo.to_crs(wards.crs), wards[["ward_code", "geometry"]],
                       predicate="intersects")
    joined = joined[~joined.index.duplicated()]
    for y in ("2021", "2023"):
        check = joined[joined["Month"].str[:4] == y].groupby("ward_code").size()
        assert check.reindex(wards["ward_code"], fill_value=0).sum() == counts[y].sum()
    return counts["2021"], counts["2023"]


def test_barnet_burglary_wards_agree_with_package(barnet_ward_counts):
    base, test = barnet_ward_counts
    assert len(base) == 24 and base.sum() > 2000 and test.sum() > 2000
    for bootstrap in ("test", "both"):
        _compare_with_package(base, test, bootstrap)


def test_barnet_burglary_wards_2021_2023(barnet_ward_counts):
    base, test = barnet_ward_counts
    result = sppt(base, test, what="burglary", area_noun="wards", periods=("2021", "2023"))
    summary = result.summary.iloc[0]
    # Every ward had burglaries in both years, so the robust S equals S.
    assert summary["areas"] == summary["areas_used_robust"] == 24
    assert summary["robust_s_index"] == summary["s_index"]
    assert summary["base_crimes"] == base.sum() and summary["test_crimes"] == test.sum()
    similar = int(result.areas["similarity"].sum())
    assert summary["s_index"] == similar / 24
    assert similar + summary["areas_higher"] + summary["areas_lower"] == 24
    assert f"similar in {similar} of 24 wards" in result.text
