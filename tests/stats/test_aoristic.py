"""Aoristic weights: a hand-computed case for every rule, a minute-by-minute brute force,
the profile's totals, the demo CCTV log against a plain hour x weekday count, and bad input.

The rules are Ratcliffe's (2002, J Quant Criminol 18(1)) as the R package ``aoristic``
(``aoristic.df``) applies them: no end time, all the weight in the start's hour; a span spread
over the hours it touches in proportion to its minutes in each; a span of a week (10,080
minutes) or more, 1/168 to every hour. The reference weights below are worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scpb_analysis.stats.aoristic import RULES, aoristic_profile, aoristic_weights


def _one(start, end, **kwargs) -> pd.DataFrame:
    out = aoristic_weights(pd.DataFrame({"start": [start], "end": [end]}), **kwargs)
    assert out.set_aside.empty, out.set_aside
    return out.weights


def _as_dict(weights: pd.DataFrame) -> dict[tuple[int, int], float]:
    return {(int(d), int(h)): w for d, h, w in
            zip(weights["weekday"], weights["hour"], weights["weight"], strict=True)}


# ---------------------------------------------------------------------------------------------
# One hand-computed case per rule (1 May 2023 was a Monday)
# ---------------------------------------------------------------------------------------------


def test_missing_end_puts_all_the_weight_in_the_start_hour():
    w = _one("2023-05-02 09:15", None)  # Tuesday
    assert _as_dict(w) == {(1, 9): 1.0}
    assert w["rule"].tolist() == ["start only"]


def test_end_equal_to_start_is_a_known_time():
    w = _one("2023-05-06 23:59", "2023-05-06 23:59")  # Saturday
    assert _as_dict(w) == {(5, 23): 1.0}
    assert w["rule"].tolist() == ["start only"]


def test_span_starting_mid_hour_is_shared_by_minutes():
    # 10:30-12:00 is 90 minutes: 30 in the 10 o'clock hour, 60 in the 11 o'clock hour.
    got = _as_dict(_one("2023-05-01 10:30", "2023-05-01 12:00"))
    assert got.keys() == {(0, 10), (0, 11)}
    assert got[(0, 10)] == pytest.approx(1 / 3) and got[(0, 11)] == pytest.approx(2 / 3)


def test_span_over_sunday_midnight_wraps_to_monday():
    # Sunday 23:45 to Monday 00:15: 15 minutes each side of the week's end.
    got = _as_dict(_one("2023-05-07 23:45", "2023-05-08 00:15"))
    assert got.keys() == {(6, 23), (0, 0)}
    assert got[(6, 23)] == pytest.approx(0.5) and got[(0, 0)] == pytest.approx(0.5)


def test_span_a_little_under_a_week_counts_the_start_hour_once():
    # Mon 10:30 to next Mon 10:00 is 10,050 minutes: 30 in Monday 10:00-10:59, 60 in each of
    # the other 167 hours; the end hour is not reached again.
    got = _as_dict(_one("2023-05-01 10:30", "2023-05-08 10:00"))
    assert len(got) == 168
    assert got[(0, 10)] == pytest.approx(30 / 10050)
    assert all(v == pytest.approx(60 / 10050) for k, v in got.items() if k != (0, 10))


def test_exactly_a_week_spreads_evenly_and_is_reported():
    w = _one("2023-05-01 10:30", "2023-05-08 10:30")
    assert len(w) == 168 and set(w["rule"]) == {"a week or more"}
    np.testing.assert_allclose(w["weight"], 1 / 168)
    assert sorted(zip(w["weekday"], w["hour"], strict=True)) == [
        (d, h) for d in range(7) for h in range(24)]


def test_max_hours_sets_where_even_spreading_starts():
    log = pd.DataFrame({"start": ["2023-05-01 00:00", "2023-05-01 00:00"],
                        "end": ["2023-05-01 23:00", "2023-05-02 06:00"]})
    out = aoristic_weights(log, max_hours=24)
    first = out.weights[out.weights["record"] == 0]
    second = out.weights[out.weights["record"] == 1]
    assert len(first) == 23 and np.allclose(first["weight"], 1 / 23)
    assert len(second) == 168 and np.allclose(second["weight"], 1 / 168)
    rules = out.rules.set_index("rule")
    assert rules.loc["spread", "records"] == 1 and rules.loc["a week or more", "records"] == 1
    assert "24 hours" in rules.loc["a week or more", "description"]


def test_end_before_start_is_set_aside_with_the_times():
    log = pd.DataFrame({"start": ["2023-05-02 10:00", "2023-05-01 10:00"],
                        "end": ["2023-05-01 10:00", None]}, index=["bad", "good"])
    out = aoristic_weights(log)
    assert out.set_aside["record"].tolist() == ["bad"]
    assert out.set_aside["reason"].iloc[0] == ("the end (2023-05-01 10:00:00) is before the "
                                               "start (2023-05-02 10:00:00)")
    assert out.weights["record"].tolist() == ["good"]
    assert out.rules.set_index("rule").loc["end before start", "records"] == 1


def test_missing_and_unreadable_times_are_set_aside_with_reasons():
    log = pd.DataFrame({"start": [None, "yesterday", "", "2023-05-01 10:00",
                                  "2023-05-01 10:00"],
                        "end": ["2023-05-01 10:00", None, None, "01/05/2023 12:00", "  "]})
    out = aoristic_weights(log)
    reasons = dict(zip(out.set_aside["record"], out.set_aside["reason"], strict=True))
    assert reasons[0] == "no start time in 'start'"
    assert reasons[1].startswith("the start 'yesterday' in 'start' is not a date and time")
    assert reasons[2] == "no start time in 'start'"
    assert reasons[3].startswith("the end '01/05/2023 12:00' in 'end' is not a date and time")
    assert 4 not in reasons  # a blank end is a missing end: all in the start's hour
    assert _as_dict(out.weights) == {(0, 10): 1.0}
    counts = out.rules.set_index("rule")["records"]
    assert counts.to_dict() == {"start only": 1, "spread": 0, "a week or more": 0,
                                "end before start": 0, "no start": 2, "unreadable start": 1,
                                "unreadable end": 1}
    assert list(out.rules["rule"]) == list(RULES)


def test_spans_are_wall_clock_minutes_over_a_clock_change():
    # 26 March 2023 (Sunday) the clocks went forward at 01:00: 00:30 to 02:30 on the wall clock
    # is 120 wall-clock minutes (90 elapsed), shared 30/60/30.
    got = _as_dict(_one("2023-03-26 00:30", "2023-03-26 02:30"))
    assert got[(6, 0)] == pytest.approx(0.25) and got[(6, 1)] == pytest.approx(0.5)
    assert got[(6, 2)] == pytest.approx(0.25)


def test_timezone_aware_times_are_read_as_london_wall_clock():
    start = pd.Series(pd.to_datetime(["2023-06-01 09:30"]).tz_localize("UTC"))
    out = aoristic_weights(pd.DataFrame({"start": start, "end": [pd.NaT]}))
    assert _as_dict(out.weights) == {(3, 10): 1.0}  # 10:30 BST, a Thursday


def test_datetime_columns_of_any_unit_give_the_same_weights():
    text = pd.DataFrame({"start": ["2023-05-01 10:30"], "end": ["2023-05-01 12:00"]})
    typed = text.apply(lambda c: pd.to_datetime(c).astype("datetime64[s]"))
    pd.testing.assert_frame_equal(aoristic_weights(text).weights,
                                  aoristic_weights(typed).weights)


# ---------------------------------------------------------------------------------------------
# Brute force and totals
# ---------------------------------------------------------------------------------------------


def _brute_force(start: dt.datetime, minutes: int) -> dict[tuple[int, int], float]:
    """Minute by minute: which hour of the week each minute of the span falls in."""
    counts = Counter()
    for m in range(minutes):
        t = start + dt.timedelta(minutes=m)
        counts[(t.weekday(), t.hour)] += 1
    return {k: v / minutes for k, v in counts.items()}


@settings(max_examples=40)
@given(st.lists(st.tuples(st.datetimes(min_value=dt.datetime(2020, 1, 1),
                                       max_value=dt.datetime(2026, 12, 31)),
                          st.integers(min_value=1, max_value=10079)),
                min_size=1, max_size=4))
def test_weights_equal_a_minute_by_minute_count(spans):
    spans = [(s.replace(second=0, microsecond=0), m) for s, m in spans]
    log = pd.DataFrame({"start": [s for s, _ in spans],
                        "end": [s + dt.timedelta(minutes=m) for s, m in spans]})
    weights = aoristic_weights(log).weights
    for record, (s, m) in enumerate(spans):
        got = _as_dict(weights[weights["record"] == record])
        expected = _brute_force(s, m)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12)


def test_weights_sum_to_one_and_profile_totals_the_records_used():
    rng = np.random.default_rng(3)
    n = 25_000  # more than one chunk of the vectorised spread
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 525_600, n), "min")
    length = rng.choice([0, 5, 45, 600, 3000, 10079, 10080, 20000], n)
    end = pd.Series(start + pd.to_timedelta(length, "min"))
    end[rng.random(n) < 0.1] = pd.NaT
    end[:3] = start[:3] - pd.Timedelta("1h")  # three set aside
    log = pd.DataFrame({"start": start, "end": end, "kind": rng.choice(["a", "b"], n)})
    out = aoristic_weights(log)
    sums = out.weights.groupby("record")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    assert len(sums) == n - 3 and len(out.set_aside) == 3
    profile = aoristic_profile(log)
    assert len(profile) == 168 and profile["value"].sum() == pytest.approx(n - 3)
    assert profile["share"].sum() == pytest.approx(1.0)
    assert "3 set aside" in profile["method"].iloc[0]
    assert len(profile.attrs["set_aside"]) == 3
    by_kind = aoristic_profile(log, by="kind")
    assert len(by_kind) == 336 and by_kind["kind"].unique().tolist() == ["a", "b"]
    used = log.drop(index=[0, 1, 2])["kind"].value_counts()
    totals = by_kind.groupby("kind")["value"].sum()
    assert totals["a"] == pytest.approx(used["a"]) and totals["b"] == pytest.approx(used["b"])


def test_profile_lists_every_hour_with_zeros_and_counts_records():
    log = pd.DataFrame({"start": ["2023-05-01 10:30", "2023-05-01 10:45", "2023-05-03 02:00"],
                        "end": ["2023-05-01 12:00", None, None]})
    p = aoristic_profile(log)
    assert p.columns.tolist() == ["weekday", "weekday_name", "hour", "value", "share",
                                  "records", "method"]
    assert p[["weekday", "hour"]].drop_duplicates().shape[0] == 168
    assert (p["value"] > 0).sum() == 3
    row = p.set_index(["weekday", "hour"])
    assert row.loc[(0, 10), "value"] == pytest.approx(4 / 3)
    assert row.loc[(0, 10), "records"] == 2 and row.loc[(0, 11), "records"] == 1
    assert row.loc[(2, 2), "weekday_name"] == "Wednesday"
    assert row.loc[(2, 2), "share"] == pytest.approx(1 / 3)


# ---------------------------------------------------------------------------------------------
# The demo CCTV log: a single time per incident
# ---------------------------------------------------------------------------------------------


def test_cctv_log_with_no_end_equals_a_plain_hour_by_weekday_count(tmp_path):
    from scpb_analysis.demo.partnership import write_partnership_demo
    from scpb_analysis.sources.partnership import load_partnership

    folder = write_partnership_demo(tmp_path)
    log = load_partnership(folder / "cctv_incidents.csv", "cctv", borough="Barnet").table
    assert len(log) > 1000
    profile = aoristic_profile(log.assign(ended_at=pd.NaT), start="occurred_at",
                               end="ended_at")
    when = log["occurred_at"]
    counts = pd.crosstab(when.dt.day_of_week, when.dt.hour).reindex(
        index=range(7), columns=range(24), fill_value=0)
    grid = profile.pivot(index="weekday", columns="hour", values="value").to_numpy()
    np.testing.assert_array_equal(grid, counts.to_numpy())
    records = profile.pivot(index="weekday", columns="hour", values="records").to_numpy()
    np.testing.assert_array_equal(records, counts.to_numpy())
    assert profile.attrs["rules"].set_index("rule").loc["start only", "records"] == len(log)


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------


def test_refuses_bad_arguments():
    log = pd.DataFrame({"start": ["2023-05-01 10:30"], "end": [None]})
    with pytest.raises(ValueError, match="no column 'from'"):
        aoristic_weights(log, start="from")
    with pytest.raises(ValueError, match="no column 'to'"):
        aoristic_profile(log, end="to")
    for bad in (0, 169, 2.5, True):
        with pytest.raises(ValueError, match="max_hours must be a whole number"):
            aoristic_weights(log, max_hours=bad)
    with pytest.raises(ValueError, match="label 'a' appears more than once"):
        aoristic_weights(pd.concat([log, log]).set_axis(["a", "a"]))
    with pytest.raises(ValueError, match="no column 'ward' to profile by"):
        aoristic_profile(log, by="ward")
    with pytest.raises(ValueError, match="'ward' is missing for record 0"):
        aoristic_profile(log.assign(ward=[None]), by="ward")
    with pytest.raises(TypeError, match="pandas DataFrame"):
        aoristic_weights([("2023-05-01", None)])
