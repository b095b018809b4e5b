"""Public tables: aggregated before suppression, few cells hidden, none recoverable.

Every check recounts with plain pandas: hidden cells per line, shares of hidden cells, sums of
combined rows and columns.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from scpb_analysis.qa.disclosure import (
    SuppressionRule,
    combine_rows,
    group_columns,
    release_table,
    verify_suppression,
)

HIDDEN = ("<5", "[c]")


def differencing_failures(display: pd.DataFrame, total_row=None, total_col=None) -> list[str]:
    """Lines (rows with a total column, columns with a total row) with exactly one hidden cell."""
    hidden = display.astype(str).isin(HIDDEN)
    out = []
    if total_col is not None:
        out += [f"row {r}" for r, n in hidden.sum(axis=1).items() if n == 1]
    if total_row is not None:
        out += [f"column {c}" for c, n in hidden.sum(axis=0).items() if n == 1]
    return out


def hidden_share(display: pd.DataFrame) -> float:
    cells = display.astype(str).to_numpy().ravel()
    return sum(c in HIDDEN for c in cells) / len(cells)


def small_shown(display: pd.DataFrame) -> list[str]:
    cells = display.astype(str).to_numpy().ravel()
    return [c for c in cells if re.fullmatch(r"\d+", c) and 1 <= int(c) <= 4]


def test_the_differencing_check_can_fail():
    shown = pd.DataFrame({"A": ["<5", "9", "12"], "B": ["7", "8", "15"],
                          "Total": ["10", "17", "27"]}, index=["x", "y", "Total"])
    assert differencing_failures(shown, "Total", "Total") == ["row x", "column A"]
    assert hidden_share(shown) == pytest.approx(1 / 9)


def _sparse(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    body = pd.DataFrame(rng.poisson(1.2, size=(14, 6)), index=[f"w{i}" for i in range(14)],
                        columns=[f"t{j}" for j in range(6)])
    body.iloc[[2, 7]] = 0  # wards without incidents
    body["Total"] = body.sum(axis=1)
    body.loc["Total"] = body.sum()
    return body


def test_group_columns_adds_up_as_pandas_does():
    table = _sparse()
    groups = {"a": ["t0", "t3"], "b": ["t1", "t2", "t4"], "c": ["t5"]}
    grouped = group_columns(table, groups, total_col="Total")
    assert list(grouped.columns) == ["a", "b", "c", "Total"]
    for name, members in groups.items():
        assert grouped[name].tolist() == table[members].sum(axis=1).tolist()
    assert grouped["Total"].tolist() == table["Total"].tolist()
    with pytest.raises(ValueError, match="in no group"):
        group_columns(table, {"a": ["t0"]}, total_col="Total")


def test_combine_rows_keeps_every_count():
    table = _sparse()
    merged = combine_rows(table, ["w1", "w4"], "Other", total_row="Total")
    assert merged.loc["Other"].tolist() == (table.loc["w1"] + table.loc["w4"]).tolist()
    assert merged.index[-2:].tolist() == ["Other", "Total"]
    body = merged.drop(index="Total")
    assert body.sum().tolist() == merged.loc["Total"].tolist()


@pytest.mark.parametrize("seed", [1, 3, 7, 11])
def test_a_sparse_table_is_aggregated_until_under_a_quarter_is_hidden(seed):
    table = _sparse(seed)
    rule = SuppressionRule(total_row="Total", total_col="Total")
    # Suppression alone hides most of it: the reason for aggregating first.
    from scpb_analysis.qa.disclosure import suppress

    alone = suppress(table, rule).public_table
    assert hidden_share(alone) >= 0.25
    release = release_table(table, other_label="Other", rule=rule, combine_zero_rows=True)
    shown = release.result.public_table
    assert hidden_share(shown) < 0.25
    assert release.share == pytest.approx(hidden_share(shown))
    assert small_shown(shown) == []
    assert differencing_failures(shown, "Total", "Total") == []
    assert verify_suppression(release.result) == []
    # The combined row is the plain sum of the rows it replaced; nothing else changed.
    if release.combined:
        expected = table.loc[list(release.combined)].sum()
        assert release.counts.loc["Other"].tolist() == expected.tolist()
    kept = [r for r in table.index if r not in release.combined]
    assert release.counts.loc[kept].equals(table.loc[kept])
    assert release.counts.loc["Total"].tolist() == table.loc["Total"].tolist()


def test_rows_of_zeros_stay_shown_unless_asked():
    table = _sparse(3)
    release = release_table(table, other_label="Other",
                            rule=SuppressionRule(total_row="Total", total_col="Total"))
    zero_rows = [r for r in table.index if (table.loc[r] == 0).all()]
    assert zero_rows and all(r in release.counts.index for r in zero_rows)
    assert (release.result.public_table.loc[zero_rows] == "0").all().all()


def test_a_single_small_row_is_never_combined_alone():
    table = pd.DataFrame({"n": [30, 12, 3, 45]}, index=["a", "b", "c", "Total"])
    release = release_table(table, other_label="Other",
                            rule=SuppressionRule(total_row="Total"))
    assert len(release.combined) >= 2
    shown = release.result.public_table
    assert small_shown(shown) == [] and hidden_share(shown) < 0.25


# --- the demo's public partnership tables ---------------------------------------------------

@pytest.fixture(scope="module")
def demo_tables():
    from scpb_analysis.blocks.partnership import SET_ASIDE, partnership_tables
    from scpb_analysis.demo import example_folder
    from scpb_analysis.sources.partnership import load_partnership_period

    period = load_partnership_period(example_folder() / "partnership", "Barnet", "2023-05")
    public = partnership_tables(period, audience="public")
    public.pop(SET_ASIDE)
    return {"period": period, "public": public}


def _indexed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(frame.columns[0]).astype(str)


def test_demo_public_tables_hide_under_a_quarter_and_nothing_recoverable(demo_tables):
    public = demo_tables["public"]
    assert {"cctv_by_ward", "cctv_ward_by_type", "asb_outcomes_by_month",
            "fpn_by_code"} <= set(public)
    assert not any(n.startswith(("prevent", "csmarac")) for n in public)
    for name, (_, frame, _) in public.items():
        shown = _indexed(frame)
        assert hidden_share(shown) < 0.25, name
        assert small_shown(shown) == [], name
        total_row = "Grand Total" if "Grand Total" in shown.index else None
        total_col = "Total" if "Total" in shown.columns else None
        assert differencing_failures(shown, total_row, total_col) == [], name


def test_demo_cctv_tables_agree_with_a_recount(demo_tables):
    period = demo_tables["period"]
    cctv = period.loads["cctv"].table
    months = pd.PeriodIndex(cctv["month"], freq="M")
    window = cctv[(months >= pd.Period("2023-03", "M")) & (months <= pd.Period("2023-05", "M"))]
    per_ward = window["ward_name"].value_counts()
    wards = _indexed(demo_tables["public"]["cctv_by_ward"][1])
    assert wards.loc["Grand Total", "Number of incidents"] == str(len(window))
    for ward, value in wards["Number of incidents"].items():
        if ward in per_ward.index or value == "0":
            assert int(value) == per_ward.get(ward, 0), ward
    # The combined row is what is left of the grand total.
    named = [w for w in wards.index if w in per_ward.index]
    assert int(wards.loc["Other wards", "Number of incidents"]) == \
        len(window) - per_ward[named].sum()
    by_type = _indexed(demo_tables["public"]["cctv_ward_by_type"][1])
    # A ward in both tables shows the same total in both (or is hidden in both): no total
    # hidden in one is printed in the other.
    for ward in by_type.index.intersection(wards.index):
        assert by_type.loc[ward, "Total"] == wards.loc[ward, "Number of incidents"], ward
    # Each shown ward-by-group cell is the recount of its types.
    from scpb_analysis.blocks.partnership_tables import CCTV_BROAD_GROUPS, CCTV_TYPE_GROUPS

    groups = {**CCTV_TYPE_GROUPS,
              **{b: tuple(x for g in m for x in CCTV_TYPE_GROUPS[g])
                 for b, m in CCTV_BROAD_GROUPS.items()}}
    for ward in by_type.index.drop(["Grand Total", "All other wards", "Other wards"],
                                   errors="ignore"):
        rows = window[window["ward_name"] == ward]
        for group in by_type.columns.drop("Total"):
            value = by_type.loc[ward, group]
            if value not in HIDDEN:
                assert int(value) == rows["incident_type"].isin(groups[group]).sum()


def test_cctv_type_groups_cover_every_type_once():
    from scpb_analysis.blocks.partnership_tables import (
        CCTV_BROAD_GROUPS,
        CCTV_INCIDENT_TYPES,
        CCTV_TYPE_GROUPS,
    )

    listed = [t for members in CCTV_TYPE_GROUPS.values() for t in members]
    assert sorted(listed) == sorted(CCTV_INCIDENT_TYPES)
    broad = [g for members in CCTV_BROAD_GROUPS.values() for g in members]
    assert sorted(broad) == sorted(CCTV_TYPE_GROUPS)
