"""MPS files the toolkit has not seen: each gives the right number or a refusal naming the
category, never a confident wrong figure.

Every case is built from the real shared files (``../shared/data/mps/borough``) by doing to them
what a later publication does: splitting a category (the Home Office 2023 split of residential
burglary), leaving out rows that are zero, adding a category the taxonomy does not know,
moving a category out of an indicator (stalking and harassment out of violence without
injury). Expected numbers are recounted from the unchanged files with the ``csv`` module.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scpb_analysis.blocks.comparison import compare_periods
from scpb_analysis.cli import main
from scpb_analysis.core.errors import IncompleteIndicatorError
from scpb_analysis.reference.taxonomy import category_table, normalise_label
from scpb_analysis.sources.mps import read_mps_crime, revision_summary
from scpb_analysis.stats.ranking import rank_boroughs
from scpb_analysis.text.narrative import check_narrative

HEADLINE = ["residential_burglary", "non_residential_burglary", "robbery_of_personal_property",
            "violence_with_injury"]
FIGURES = ["n_12m", "n_12m_prev", "pct_change_12m", "n_3m", "n_3m_prev", "pct_change_3m",
           "peer_rank", "bcu_rank"]
RESIDENTIAL = {"BURGLARY - RESIDENTIAL", "BURGLARY IN A DWELLING"}


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _recount(folder: Path, borough: str, minors: set[str], first: str, last: str) -> int:
    """Sum of the raw cells, newest file first for each month (as a vintage is read)."""
    months = [p.strftime("%Y%m") for p in pd.period_range(first, last, freq="M")]
    seen: dict[str, int] = {}
    for path in sorted(folder.glob("*.csv"), key=lambda p: "Historical" in p.name):
        header, rows = _read(path)
        for month in months:
            if month in seen or month not in header:
                continue
            col = header.index(month)
            seen[month] = sum(int(r[col]) for r in rows
                              if r[2] == borough and r[1] in minors)
    assert set(seen) == set(months)
    return sum(seen.values())


@pytest.fixture(scope="module")
def to_202502(mps_borough_dir) -> Path:
    return mps_borough_dir / "to-202502"


def _home_office_split(source: Path, target: Path, names: tuple[str, str],
                       first_month: str = "202304") -> Path:
    """A later publication of the same months: residential burglary split in two from April
    2023, as the Home Office 2023 coding does (70% of a home, the rest unconnected)."""
    for path in source.glob("*.csv"):
        header, rows = _read(path)
        later = [h.isdigit() and h >= first_month for h in header]
        out, totals = [], {}
        for row in rows:
            if row[1] in RESIDENTIAL and any(later):
                total = totals.setdefault(row[2], [0] * len(header))
                for i in range(3, len(header)):
                    total[i] += int(row[i]) if later[i] else 0
                row = [("0" if later[i] else v) for i, v in enumerate(row)]
            out.append(row)
        for borough, total in sorted(totals.items()):
            out.append(["BURGLARY", names[0], borough]
                       + [str(v * 7 // 10) for v in total[3:]])
            out.append(["BURGLARY", names[1], borough]
                       + [str(v - v * 7 // 10) for v in total[3:]])
        _write(target / path.name, header, out)
    return target


HOME_OFFICE_NAMES = ("RES BURGLARY OF A HOME", "RES BURGLARY OF UNCONNECTED BUILDING")


@pytest.mark.slow
def test_home_office_split_gives_the_unsplit_numbers(to_202502, tmp_path):
    split = _home_office_split(to_202502, tmp_path / "to-202502", HOME_OFFICE_NAMES)
    load = read_mps_crime(split)
    assert load.unmapped.empty
    row = compare_periods(load.table, "Barnet", "2023-05", breaks=load.breaks).set_index(
        "indicator").loc["residential_burglary"]
    expected = (_recount(to_202502, "Barnet", RESIDENTIAL, "2022-06", "2023-05"),
                _recount(to_202502, "Barnet", RESIDENTIAL, "2021-06", "2022-05"))
    assert expected == (1897, 1798)
    assert (row.n_12m, row.n_12m_prev, row.direction_12m) == (*expected, "increase")
    assert row.complete
    original = read_mps_crime(to_202502)
    same = compare_periods(original.table, "Barnet", "2023-05", breaks=original.breaks)
    assert row[FIGURES].tolist() == same.set_index("indicator").loc[
        "residential_burglary", FIGURES].tolist()


@pytest.mark.slow
def test_home_office_split_with_the_older_vintages(all_borough_vintages, mps_borough_dir,
                                                   tmp_path):
    # Loaded with every older vintage, the split file still wins its months and gives the
    # same series as the unsplit publication (not -99.5% and rank 1).
    _home_office_split(mps_borough_dir / "to-202502", tmp_path / "to-202502", HOME_OFFICE_NAMES)
    folders = [p for p in mps_borough_dir.iterdir() if p.name != "to-202502"]
    load = read_mps_crime(folders + [tmp_path / "to-202502"])
    got = compare_periods(load.table, "Barnet", "2023-05", breaks=load.breaks,
                          indicators=HEADLINE).set_index("indicator")
    want = compare_periods(all_borough_vintages.table, "Barnet", "2023-05",
                           breaks=all_borough_vintages.breaks,
                           indicators=HEADLINE).set_index("indicator")
    assert got[FIGURES].equals(want[FIGURES])
    assert int(got.loc["residential_burglary", "n_12m"]) == 1897


@pytest.mark.slow
def test_an_unknown_split_is_refused_naming_file_category_and_indicator(to_202502, tmp_path,
                                                                        capsys):
    names = ("RES BURGLARY OF A CARAVAN", "RES BURGLARY OF A BOAT")
    split = _home_office_split(to_202502, tmp_path / "later", names)
    load = read_mps_crime(split)
    recent = "MPS Borough Level Crime (most recent 24 months)_202303-202502.csv"
    with pytest.raises(IncompleteIndicatorError) as refused:
        compare_periods(load.table, "Barnet", "2023-05", breaks=load.breaks)
    message = str(refused.value)
    for part in (recent, "BURGLARY / RES BURGLARY OF A CARAVAN", "Residential Burglary is "
                 "incomplete", "Non-Residential Burglary is incomplete"):
        assert part in message
    # Shown marked, the figure of the mapped categories carries the mark everywhere.
    marked = compare_periods(load.table, "Barnet", "2023-05", breaks=load.breaks,
                             incomplete="mark").set_index("indicator")
    res = marked.loc["residential_burglary"]
    before_split = _recount(to_202502, "Barnet", RESIDENTIAL, "2022-06", "2023-03")
    assert (bool(res.complete), int(res.n_12m)) == (False, before_split)
    assert res.notes.startswith("INCOMPLETE: Residential Burglary is incomplete")
    assert res.narrative.startswith("INCOMPLETE")
    assert res.rag == "Not rated (incomplete)" and pd.isna(res.peer_rank)
    assert marked.loc["robbery_of_personal_property", "complete"]
    # The command line refuses (exit 2) unless asked to show the figures marked.
    assert main(["compare", "--data", str(split), "--borough", "Barnet", "--end",
                 "2023-05"]) == 2
    err = capsys.readouterr().err
    assert "RES BURGLARY OF A CARAVAN" in err and recent in err and "--show-incomplete" in err
    assert main(["compare", "--data", str(split), "--borough", "Barnet", "--end", "2023-05",
                 "--show-incomplete"]) == 0
    out = capsys.readouterr().out
    assert "Residential Burglary [INCOMPLETE]" in out
    assert re.search(rf"{before_split}\*", out)
    assert main(["compare", "--data", str(split), "--borough", "Barnet", "--end", "2023-05",
                 "--show-incomplete", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("indicator")
    assert not table.loc["residential_burglary", "complete"]
    assert table.loc["residential_burglary", "notes"].startswith("INCOMPLETE")


def test_a_category_in_an_unknown_group_leaves_every_indicator_incomplete(to_202502, tmp_path):
    for path in to_202502.glob("*.csv"):
        header, rows = _read(path)
        if "most recent" in path.name:
            rows.append(["HOUSEHOLD OFFENCES", "SOMETHING NEW", "Barnet"]
                        + ["3"] * (len(header) - 3))
        _write(tmp_path / path.name, header, rows)
    load = read_mps_crime(tmp_path)
    with pytest.raises(IncompleteIndicatorError, match="'HOUSEHOLD OFFENCES' is not one the "
                                                       "taxonomy knows"):
        compare_periods(load.table, "Barnet", "2023-05", indicators=HEADLINE)


def test_rows_left_out_because_they_are_zero_change_nothing(mps_borough_dir, tmp_path):
    # The publisher already leaves out rows that are zero in all 24 months; over the last 6
    # months of the file many more rows are all zero. Write those 6 months twice, with and
    # without the all-zero rows, as a 6-month publication would be.
    header, rows = _read(next((mps_borough_dir / "to-202307").glob("*most recent*")))
    cols = [0, 1, 2] + [i for i, h in enumerate(header) if h.isdigit() and h >= "202302"]
    cut = [[r[i] for i in cols] for r in rows]
    keep = [r for r in cut if any(int(v) for v in r[3:])]
    assert len(cut) - len(keep) > 20
    names = [header[i] for i in cols]
    full = read_mps_crime(_write(tmp_path / "full" / "crime.csv", names, cut)).table
    thin = read_mps_crime(_write(tmp_path / "thin" / "crime.csv", names, keep)).table
    # Boroughs are filled (airports and "Unknown" are not areas a comparison reads), and an
    # indicator with no row left in the file is not published there at all: not zero.
    full, thin = (t[t["area_type"] == "borough"] for t in (full, thin))
    keys = ["month", "area_type", "area_name", "indicator", "measure"]
    a = full[full["indicator"].isin(set(thin["indicator"]))].sort_values(keys).reset_index(
        drop=True)
    b = thin.sort_values(keys).reset_index(drop=True)
    assert a[keys + ["count"]].equals(b[keys + ["count"]])
    assert (b["zero_filled"] & ~a["zero_filled"]).sum() > 0
    assert (b.loc[b["zero_filled"], "count"] == 0).all()


# Categories of the title-case vintage to July 2023, to rename one at a time.
def _title_categories(mps_borough_dir: Path) -> list[tuple[str, str]]:
    header, rows = _read(next((mps_borough_dir / "to-202307").glob("*most recent*")))
    return sorted({(r[0], r[1]) for r in rows})


_KNOWN = {normalise_label(x) for x in pd.concat([category_table()["major"],
                                                  category_table()["minor"]])}
_names = st.text(alphabet=st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ "), min_size=5,
                 max_size=24).map(str.strip).filter(
    lambda s: len(s) >= 4 and normalise_label(s) not in _KNOWN)


@pytest.fixture(scope="module")
def recent_title_file(mps_borough_dir):
    path = next((mps_borough_dir / "to-202307").glob("*most recent*"))
    load = read_mps_crime(path)
    baseline = compare_periods(load.table, "Barnet", "2023-07", indicators=HEADLINE)
    return path, baseline.set_index("indicator")[FIGURES]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), new_minor=_names, new_major=_names, rename_major=st.booleans())
def test_renaming_any_category_never_changes_a_headline_figure_silently(
        recent_title_file, mps_borough_dir, data, new_minor, new_major, rename_major):
    path, baseline = recent_title_file
    target = data.draw(st.sampled_from(_title_categories(mps_borough_dir)))
    header, rows = _read(path)
    renamed = [([new_major if rename_major else r[0], new_minor] + r[2:])
               if (r[0], r[1]) == target else r for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        load = read_mps_crime(_write(Path(tmp) / path.name, header, renamed))
        try:
            got = compare_periods(load.table, "Barnet", "2023-07", indicators=HEADLINE)
        except IncompleteIndicatorError as refused:
            assert new_minor in str(refused) and path.name in str(refused)
            return
    got = got.set_index("indicator")[FIGURES]
    assert got.equals(baseline), f"renaming {target} changed a headline figure silently"
    for text in got[["pct_change_12m", "pct_change_3m"]].to_numpy().ravel():
        assert not re.fullmatch(r"[+-]0(\.0*)?", str(text))


def _stalking_split(source: Path, target: Path) -> Path:
    """The borough publication to February 2025 recoded as the 2026 publications are:
    stalking and harassment (here a third of violence without injury) published on its own."""
    for path in source.glob("*.csv"):
        header, rows = _read(path)
        out = []
        for row in rows:
            if row[1] == "VIOLENCE WITHOUT INJURY":
                moved = [int(v) // 3 for v in row[3:]]
                out.append(row[:3] + [str(int(v) - m) for v, m in zip(row[3:], moved,
                                                                         strict=True)])
                out.append(["VIOLENCE AGAINST THE PERSON", "STALKING AND HARASSMENT", row[2]]
                           + [str(m) for m in moved])
            else:
                out.append(row)
        _write(target / path.name, header, out)
    return target


@pytest.mark.slow
def test_definition_change_inside_the_windows_gives_counts_but_no_change(mps_borough_dir,
                                                                         tmp_path):
    # A later publication of March 2023 to February 2025 in the new coding, read with the one
    # to April 2024: the 12- and 3-month windows to January 2024 straddle March 2023.
    source = mps_borough_dir / "to-202502"
    later = tmp_path / "later"
    _stalking_split(source, later)
    path = next(later.glob("*most recent*"))
    header, rows = _read(path)
    keep = [i for i, h in enumerate(header) if not h.isdigit() or h >= "202303"]
    _write(path, [header[i] for i in keep], [[r[i] for i in keep] for r in rows])
    for old in later.glob("*Historical*"):
        old.unlink()
    load = read_mps_crime([later, mps_borough_dir / "to-202404"])
    changes = load.breaks[load.breaks["kind"] == "definition change"]
    assert [str(m) for m in changes["month"]] == ["2023-03"]
    row = compare_periods(load.table, "Barnet", "2024-01", breaks=load.breaks).set_index(
        "indicator").loc["violence_without_injury"]
    assert row.pct_change_12m == row.pct_change_3m == "n/a (definition changed)"
    assert row.direction_12m == "n/a" and pd.isna(row.significance_12m)
    assert pd.isna(row.peer_rank) and row.rag == "Not rated (definition change)"
    assert "so no change is given" in row.narrative
    assert check_narrative(row.narrative, row.to_dict()) == []
    assert set(load.files["scheme"]) == {"home_office_2023", "mps_2024"}
    assert "coding change" in set(revision_summary(load.revisions)["kind"])
    # The windows to February 2025 lie within the recoded publication: like for like again.
    inside = compare_periods(load.table, "Barnet", "2025-02", breaks=load.breaks).set_index(
        "indicator").loc["violence_without_injury"]
    assert inside.pct_change_12m.startswith(("+", "-")) and inside.rag.startswith(
        ("Green", "Amber", "Red"))
    # Counts are still each period's own, recounted from the files.
    assert int(row.n_3m) == sum(
        int(r[header.index(m)]) - int(r[header.index(m)]) // 3
        for r in _read(next(source.glob("*most recent*")))[1]
        if r[1] == "VIOLENCE WITHOUT INJURY" and r[2] == "Barnet"
        for m in ("202311", "202312", "202401"))


@pytest.mark.parametrize("vintage", ["to-201612", "to-202010", "to-202108", "to-202302",
                                     "to-202307", "to-202401", "to-202404", "to-202502"])
def test_violent_disorder_and_homicide_rank_every_borough(mps_borough_dir, vintage):
    load = read_mps_crime(mps_borough_dir / vintage)
    end = max(load.files["vintage"])
    # The 2008 coding (to 2016) has no violent disorder category: homicide ('Murder') only.
    indicators = ("homicide",) if vintage == "to-201612" else ("violent_disorder", "homicide")
    for indicator in indicators:
        for basis in ("pct_change_3m", "count_12m"):
            ranks = rank_boroughs(load.table, indicator, end, basis=basis)
            assert len(ranks) == 32 and ranks["london_rank"].notna().all()
    if vintage == "to-201612":
        assert "violent_disorder" not in set(load.table["indicator"])
        return
    # A borough the file has no violent disorder row for is 0 in every month, said so.
    filled = load.zero_filled[(load.zero_filled["indicator"] == "violent_disorder")
                              & (load.zero_filled["area_type"] == "borough")]
    assert len(filled), "every shared vintage leaves some borough's violent disorder row out"
    borough = filled["borough"].iloc[0]
    recent = next(p for p in (mps_borough_dir / vintage).glob("*.csv")
                  if str(end).replace("-", "") in p.name)
    header, rows = _read(recent)
    assert not [r for r in rows if r[2] == borough and normalise_label(r[1]) ==
                "violent disorder"]
    row = compare_periods(load.table, borough, end, breaks=load.breaks,
                          indicators=["violent_disorder"]).iloc[0]
    assert (row.n_3m, row.n_3m_prev, row.pct_change_3m) == (0, 0, "n/a (0 in both periods)")
    assert "read as 0" in row.notes


def test_needs_assessment_never_prints_an_incomplete_violence_figure(to_202502, tmp_path):
    from scpb_analysis.blocks.needs_assessment import (
        check_needs_table,
        risk_factor_table,
        violence_trend,
    )

    for path in to_202502.glob("*.csv"):
        header, rows = _read(path)
        if "most recent" in path.name:
            rows.append(["VIOLENCE AGAINST THE PERSON", "ASSAULT OF AN EMERGENCY WORKER",
                         "Barnet"] + ["4"] * (len(header) - 3))
        _write(tmp_path / path.name, header, rows)
    crime = read_mps_crime(tmp_path).table
    with pytest.raises(IncompleteIndicatorError, match="ASSAULT OF AN EMERGENCY WORKER"):
        violence_trend(crime, "Barnet", "2024-05")
    risk = risk_factor_table("Barnet", "2024-05", crime=crime)
    assert check_needs_table(risk) == []
    violence = risk.set_index("measure").loc[[
        "Violence with injury: offences", "Violence with injury: offences per 1,000 residents",
        "Violence against the person and sexual offences: offences per 1,000 residents"]]
    for value in violence["borough_value"]:
        assert value.startswith("not available — needs the category 'VIOLENCE AGAINST THE "
                                "PERSON / ASSAULT OF AN EMERGENCY WORKER'")
    drugs = risk.set_index("measure").loc["Drug trafficking: offences"]
    assert drugs["status"] == "computed"
