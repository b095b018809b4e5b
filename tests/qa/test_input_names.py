"""A personal name or number in an input's file name is withheld from everything a pack prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from scpb_analysis.qa.disclosure import scan_file_name
from scpb_analysis.qa.input_names import masked_name, publishable_inputs


@pytest.mark.parametrize("name", [
    "cctv_log_07700_900123.csv",
    "asb export from jo.bloggs@example.com.csv",
    "referrals N3 1AA.csv",
    "log +44 7700 900123.xlsx",
    "referral_jane_doe_2023.csv",
    "cctv-log-JohnSmith.csv",
])
def test_masked_name_removes_every_find_and_keeps_the_extension(name):
    assert scan_file_name(name), "the planted value is found in the original name"
    masked = masked_name(name)
    assert scan_file_name(masked) == []
    assert masked.endswith(Path(name).suffix)
    assert "withheld" in masked
    # A surname does not survive its forename.
    assert not {"doe", "smith"} & set(masked.casefold().replace("-", "_").split("_"))


@pytest.mark.parametrize("name", [
    "MPS Borough Level Crime (most recent 24 months)_202303-202502.csv",
    "2023-05-metropolitan-street.csv",
    "Wards_December_2024_Boundaries_UK_BGC.gpkg",
    "census2021-ts007a-lsoa.csv",
])
def test_names_without_personal_data_are_unchanged(name):
    assert masked_name(name) == name


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_no_flagged_name_reads_the_original_folder(tmp_path):
    (tmp_path / "mps").mkdir()
    (tmp_path / "mps" / "file.csv").write_text("a\n1\n")
    inputs = publishable_inputs(tmp_path)
    assert inputs.data_dir == tmp_path.resolve() and inputs.withheld == []
    inputs.cleanup()
    assert (tmp_path / "mps" / "file.csv").exists()


def test_mirror_holds_the_same_bytes_under_masked_names(tmp_path):
    data = tmp_path / "data"
    (data / "mps" / "borough").mkdir(parents=True)
    (data / "mps" / "borough" / "crime.csv").write_text("a\n1\n")
    (data / "partnership" / "from 07700 900123").mkdir(parents=True)
    (data / "partnership" / "from 07700 900123" / "cctv.csv").write_text("b\n2\n")
    (data / "partnership" / "asb_jo.bloggs@example.com.csv").write_text("c\n3\n")
    original = _tree(data)
    with publishable_inputs(data) as inputs:
        mirror = inputs.data_dir
        assert mirror != data.resolve()
        shown = [w.shown for w in inputs.withheld]
        assert shown == sorted(shown) and len(shown) == 2
        assert {k for w in inputs.withheld for k in w.kinds} == {"phone", "email"}
        copied = _tree(mirror)
        # Same files and bytes; only the flagged names differ.
        assert sorted(copied.values()) == sorted(original.values())
        assert "mps/borough/crime.csv" in copied
        for path in copied:
            assert scan_file_name(path) == [] and all(
                scan_file_name(part) == [] for part in Path(path).parts), path
        # A flagged file is linked, not symlinked: resolving it must not reveal the original.
        for path in mirror.rglob("*.csv"):
            assert all(scan_file_name(p) == [] for p in path.resolve().parts)
    assert not mirror.exists()
    assert _tree(data) == original
