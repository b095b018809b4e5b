"""The intervention page's parts: windows the data cover, an areas file, the public version,
and notebook settings given to ``scpb build --set``.
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box

from scpb_analysis.cli import main
from scpb_analysis.core.errors import CoverageError
from scpb_analysis.pack.intervention import (
    evaluation_part,
    evaluation_settings,
    harm_part,
    pattern_windows,
    repeats_part,
    stability_windows,
    timing_part,
)
from scpb_analysis.pack.runner import build_pack


def _held(*ranges: tuple[str, str]) -> pd.PeriodIndex:
    months = [m for a, b in ranges for m in pd.period_range(a, b, freq="M")]
    return pd.PeriodIndex(months, freq="M")


def _data(held: pd.PeriodIndex, period_end: str) -> SimpleNamespace:
    return SimpleNamespace(area="Somewhere", period_end=pd.Period(period_end, "M"),
                           policeuk_months=lambda: held)


def test_stability_periods_end_at_the_period_end_where_the_data_allow():
    data = _data(_held(("2019-01", "2023-05")), "2023-05")
    windows = stability_windows(data)
    assert [w.label for w in windows][-1] == "June 2022 to May 2023"
    assert len(windows) == 4 and all(w.n_months == 12 for w in windows)


def test_stability_periods_before_a_gap_are_six_months_and_said_to_end_early():
    # Avon and Somerset's police.uk files: 2023-01..2024-06, then 2024-09..2024-12.
    data = _data(_held(("2023-01", "2024-06"), ("2024-09", "2024-12")), "2024-12")
    windows = stability_windows(data)
    assert [w.label for w in windows] == ["January 2023 to June 2023", "July 2023 to December 2023",
                                          "January 2024 to June 2024"]
    with pytest.raises(CoverageError, match="three successive six-month periods"):
        stability_windows(_data(_held(("2024-01", "2024-12")), "2024-12"))


def test_pattern_periods_default_given_and_fallback():
    two_years = _data(_held(("2020-01", "2023-05")), "2023-05")
    base, test, note = pattern_windows(two_years)
    assert (base.label, test.label, note) == ("June 2020 to May 2021", "June 2022 to May 2023", "")
    base, test, _ = pattern_windows(two_years, "2021", "2022")
    assert (base.label, test.label) == ("January 2021 to December 2021",
                                        "January 2022 to December 2022")
    short = _data(_held(("2021-06", "2023-05")), "2023-05")
    base, test, note = pattern_windows(short)
    assert base.label == "June 2021 to May 2022" and "compared with the 12 months before" in note
    with pytest.raises(CoverageError, match="no 12 months in a row"):
        pattern_windows(_data(_held(("2023-01", "2023-06")), "2023-06"))


def test_an_areas_file_drives_the_evaluation_and_a_gap_is_a_stated_gap(demo_dir, tmp_path):
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(demo_dir.parent, "Barnet", "2023-05", cache_dir=None)
    wards = data.wards()
    x0, y0, x1, y1 = wards.total_bounds
    mid = (x0 + x1) / 2
    areas = gpd.GeoDataFrame({"role": ["treated", "control"], "name": ["West", "East"]},
                             crs=wards.crs, geometry=[box(x0, y0, mid - 500, y1),
                                                      box(mid + 500, y0, x1, y1)])
    path = tmp_path / "areas.geojson"
    areas.to_file(path)
    part = evaluation_part(data, evaluation_settings(data, areas_file=str(path)))
    tables = part.tables()
    summary = tables["intervention_areas_before_after"].set_index("role")
    points = data.area_points("Burglary")
    months = pd.PeriodIndex(points["month"], freq="M")
    west = points["x"] <= mid - 500
    before = months.isin(pd.period_range("2021-06", "2022-05", freq="M"))
    assert summary.loc["treated", "before"] == int((west & before).sum())
    assert summary.loc["treated", "area_label"] == "West"
    assert len(tables["intervention_wdd"]) == 1

    # A window the data do not hold is a gap on the page, not a failed section.
    late = evaluation_settings(data, treated="Hendon", start="2023-06")
    gap = [v for k, v in evaluation_part(data, late).items if k == "gap"]
    assert gap and "do not hold" in gap[0]


def test_the_public_page_leaves_out_the_list_of_repeat_locations(demo_dir):
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(demo_dir.parent, "Barnet", "2023-05", cache_dir=None)
    internal = repeats_part(data, "Burglary")
    public = repeats_part(data, "Burglary", public=True)
    assert "intervention_repeat_locations" in internal.tables()
    assert "intervention_repeat_locations" not in public.tables()
    assert any("left out of the public version" in v for k, v in public.items if k == "gap")


def test_a_partnership_weights_file_replaces_the_packaged_weights(demo_dir, tmp_path):
    from importlib.resources import files

    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(demo_dir.parent, "Barnet", "2023-05", cache_dir=None)
    packaged = harm_part(data).tables()["intervention_harm_by_offence"].set_index("indicator")
    weights = pd.read_csv(files("scpb_analysis.reference") / "crime_severity.csv", dtype=str)
    for column in ("weight", "weight_min", "weight_max"):
        weights[column] = pd.to_numeric(weights[column]) * 2
    path = tmp_path / "our_weights.csv"
    weights.to_csv(path, index=False)
    own = harm_part(data, str(path)).tables()["intervention_harm_by_offence"]
    own = own.set_index("indicator")
    weighted = packaged["harm"].notna()
    assert weighted.sum() > 10
    assert own.loc[weighted, "harm"].tolist() == pytest.approx(
        (2 * packaged.loc[weighted, "harm"]).tolist())
    assert (own["count"] == packaged["count"]).all()


@pytest.fixture(scope="module")
def demo_with_cctv(tmp_path_factory):
    from scpb_analysis.demo import write_demo_data
    from scpb_analysis.demo.partnership import write_partnership_demo

    folder = tmp_path_factory.mktemp("demo_cctv")
    write_demo_data(folder)
    write_partnership_demo(folder)
    return folder


def test_the_aoristic_profile_of_the_cctv_log_counts_each_incident_once(demo_with_cctv):
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(demo_with_cctv, "Barnet", "2023-05", cache_dir=None)
    cctv = data.partnership().loads["cctv"].table
    part = timing_part(data)
    cells = part.tables()["intervention_aoristic_profile"]
    assert len(cells) == 168
    # An incident with one time gives its whole weight to that hour: a plain count.
    times = pd.to_datetime(cctv["occurred_at"])
    plain = times.groupby([times.dt.day_of_week, times.dt.hour]).size()
    got = cells.set_index(["weekday", "hour"])["value"]
    assert got.sum() == pytest.approx(len(cctv))
    assert (got.reindex(plain.index) == plain).all()
    rules = part.tables()["intervention_aoristic_rules"].set_index("rule")["records"]
    assert rules.sum() == len(cctv)
    public = timing_part(data, public=True)
    assert "intervention_aoristic_profile" not in public.tables()
    assert any(k == "figure" for k, _ in public.items)


def test_notebook_settings_are_checked_before_anything_is_built(demo_dir, tmp_path, capsys):
    common = {"borough": "Barnet", "period_end": "2023-05", "data_dir": demo_dir.parent,
              "out": tmp_path / "out", "only": ["intervention_evaluation"], "progress": False}
    with pytest.raises(ValueError, match="'nope': no notebook run declares it.*treated_wards"):
        build_pack(**common, settings={"nope": "1"})
    with pytest.raises(ValueError, match="'before_months': 'twelve' is not a whole number"):
        build_pack(**common, settings={"before_months": "twelve"})
    with pytest.raises(ValueError, match="'borough' is one of the pack's own options"):
        build_pack(**common, settings={"borough": "Camden"})
    assert not (tmp_path / "out").exists()
    assert main(["build", "--data-dir", str(demo_dir.parent), "--out", str(tmp_path / "o"),
                 "--only", "intervention_evaluation", "--set", "treated_wards"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
