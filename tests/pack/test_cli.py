"""The scpb command: compare, build, demo; errors are one clear line and exit status 2."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scpb_analysis.blocks.comparison import SYNTHETIC_STATUS
from scpb_analysis.cli import main

REQUIRED = ["indicator", "borough", "period_end", "n_12m", "n_12m_prev", "pct_change_12m",
            "n_3m", "n_3m_prev", "pct_change_3m", "direction_12m", "direction_3m"]


def _csv_rows(text: str) -> dict[str, dict[str, str]]:
    return {r["indicator"]: r for r in csv.DictReader(io.StringIO(text))}


def test_compare_csv_on_real_data(mps_borough_dir, capsys):
    status = main(["compare", "--data", str(mps_borough_dir / "to-202307"), "--borough",
                   "Barnet", "--end", "2023-05", "--format", "csv"])
    assert status == 0
    rows = _csv_rows(capsys.readouterr().out)
    res = rows["residential_burglary"]
    assert set(REQUIRED) <= set(res)
    assert (res["n_12m"], res["n_12m_prev"], res["pct_change_12m"]) == ("1951", "1848", "+5.6")
    assert (res["n_3m"], res["n_3m_prev"], res["pct_change_3m"]) == ("479", "464", "+3.2")
    assert res["direction_12m"] == res["direction_3m"] == "increase"
    assert res["period_end"] == "2023-05" and res["borough"] == "Barnet"


def test_compare_table_on_demo_data(demo_dir, capsys):
    assert main(["compare", "--data", str(demo_dir), "--borough", "Barnet", "--end",
                 "2024-05"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == SYNTHETIC_STATUS
    assert "3 months:  March 2024 to May 2024 vs March 2023 to May 2023" in out
    assert "series break February 2024 (recording system change)" in out


def test_compare_error_is_one_line_with_exit_2(demo_dir, capsys):
    status = main(["compare", "--data", str(demo_dir / "borough"), "--borough", "Barnet",
                   "--end", "2026-01"])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("scpb: error: the data for Barnet end in February 2025")
    assert len(err.splitlines()) == 1


def test_bad_month_is_a_usage_error(demo_dir, capsys):
    with pytest.raises(SystemExit) as done:
        main(["compare", "--data", str(demo_dir), "--borough", "Barnet", "--end", "2023-13"])
    assert done.value.code == 2
    assert "argument --end: '2023-13' is not a month; expected YYYY-MM" in capsys.readouterr().err


def test_compare_bad_file_names_it(tmp_path, capsys):
    bad = tmp_path / "crime.csv"
    bad.write_text("MajorText,MinorText,LookUp_BoroughName,202301\nTheft,Shoplifting,Barnet,x\n")
    assert main(["compare", "--data", str(bad), "--borough", "Barnet", "--end", "2023-01"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"scpb: error: {bad}, row 2, column '202301': 'x' is not a count; "
        "expected a whole number of 0 or more")


def test_build_refuses_a_missing_data_dir(tmp_path, capsys):
    assert main(["build", "--data-dir", str(tmp_path / "nowhere"), "--out",
                 str(tmp_path / "out")]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("scpb") is None and not (Path(sys.executable).parent /
                                                           "scpb").exists(),
                    reason="the scpb console script is not installed in this environment")
def test_console_script_runs(demo_dir):
    exe = shutil.which("scpb") or str(Path(sys.executable).parent / "scpb")
    done = subprocess.run([exe, "compare", "--data", str(demo_dir / "borough"), "--borough",
                           "Barnet", "--end", "2023-05", "--format", "csv"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "residential_burglary" in done.stdout


def test_compare_rank_basis_and_rag_options(mps_borough_dir, capsys):
    assert main(["compare", "--data", str(mps_borough_dir / "to-202307"), "--borough", "Barnet",
                 "--end", "2023-05", "--format", "csv", "--rank-basis", "rate_12m",
                 "--rag", "significance-12m"]) == 0
    rows = _csv_rows(capsys.readouterr().out)
    for name in ("peer_rank", "bcu_rank", "peer_rank_prev", "bcu_rank_prev", "rank_basis",
                 "rag", "rag_rule", "p_value_12m", "significance_12m", "p_value_3m",
                 "significance_3m", "narrative"):
        assert name in rows["residential_burglary"], name
    res, rob = rows["residential_burglary"], rows["robbery_of_personal_property"]
    assert "per 1,000 residents" in res["rank_basis"] and "Census 2021" in res["rank_basis"]
    # 12-month rises: residential burglary is within chance, robbery is not.
    assert (res["significance_12m"], res["rag"]) == ("no significant change", "Amber")
    assert (rob["significance_12m"], rob["rag"]) == ("significant increase", "Red")
    assert res["rag_rule"].startswith("Change in the 12 months against the same period")
    assert res["narrative"].startswith("There were 1,951 cases of Residential Burglary in Barnet")


def test_check_command_exit_status(tmp_path, capsys):
    seed = Path(__file__).parents[1] / "fixtures" / "seed_tables" / "prevent_q4_2022_23.csv"
    assert main(["check", str(seed)]) == 1
    out = capsys.readouterr().out
    assert "says 15, but the table has 17" in out
    good = tmp_path / "wards.csv"
    good.write_text("Ward,Incidents,% of incidents\nA,1,33%\nB,2,67%\nTotal,3,100%\n")
    assert main(["check", str(good)]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("ok:")


@pytest.mark.parametrize("command", [[], ["compare"], ["build"], ["bench"], ["list"],
                                     ["params"], ["fetch"], ["check"], ["demo"]])
def test_every_help_page_prints(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: scpb")
    if not command:
        assert "% changes" in out  # a literal percent sign in help text is printed, not parsed


@pytest.mark.slow
def test_compare_figures_as_published_and_latest(mps_borough_dir, capsys):
    # Every vintage on disk: as published gives the board's May 2023 figures (the vintage to
    # July 2023), latest gives the 2025 restatement.
    base = ["compare", "--data", str(mps_borough_dir), "--borough", "Barnet", "--end", "2023-05",
            "--format", "csv"]
    assert main(base) == 0
    first = _csv_rows(capsys.readouterr().out)["residential_burglary"]
    assert (first["n_12m"], first["n_12m_prev"]) == ("1951", "1848")
    assert first["publications"] == "MPS Borough Level Crime to July 2023"
    assert main(base + ["--figures", "latest"]) == 0
    latest = _csv_rows(capsys.readouterr().out)["residential_burglary"]
    assert (latest["n_12m"], latest["n_12m_prev"]) == ("1897", "1798")
    assert latest["publications"] == "MPS Borough Level Crime to February 2025"
    assert main(base[:-2]) == 0
    text = capsys.readouterr().out
    assert "Source: MPS Borough Level Crime to July 2023\n" in text
    assert "Figures: as first published; publications read: " in text
    assert "MPS Borough Level Crime to July 2023 (2 files; 4 earlier publications fill earlier " \
           "months)" in text
    assert "2025" not in text.split("Figures:")[1]  # later publications are not read
