"""The Serious Violence Duty data-gap table: what the guidance asks, whether the data holds it.

Templates are written and filled in as a partner would, read back by the loader, and the gap
table must say for each checklist item whether it is held (rows, months, gaps, rows set aside)
or still needed (with the owner and the template file to fill in).
"""

from __future__ import annotations

from scpb_analysis.blocks.sv_gaps import GAP_COLUMNS, data_gap_table, gap_text
from scpb_analysis.reference.labels import is_registered
from scpb_analysis.reference.sv_partner_schema import (
    SV_TEMPLATES,
    sv_checklist,
    write_sv_templates,
)
from scpb_analysis.sources.sv_partners import load_sv_partner_data

TODAY = "2025-06-15"
ADMISSIONS = "Month,Age Band,Sex,Admissions\n"


def _valid_row(name: str, month: str = "2023-05", count: int = 3) -> list[str]:
    """A row every rule accepts: the month, each category's first value, and counts."""
    cells = []
    for col in SV_TEMPLATES[name].columns:
        if col.kind == "date":
            cells.append(month)
        elif col.kind == "int":
            cells.append(str(count))
        else:
            cells.append(col.allowed[0])
    return cells


def _load(folder, **kw):
    return load_sv_partner_data(folder, today=TODAY, **kw)


# -- the gap table ------------------------------------------------------------------------


def test_gap_table_columns_are_labelled_for_readers():
    assert all(is_registered(c) for c in GAP_COLUMNS), [c for c in GAP_COLUMNS
                                                         if not is_registered(c)]


# -- round trip ---------------------------------------------------------------------------


def test_templates_round_trip(tmp_path):
    paths = write_sv_templates(tmp_path)
    assert [p.name for p in paths] == [f"{n}_template.csv" for n in SV_TEMPLATES]
    for path, name in zip(paths, SV_TEMPLATES, strict=True):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(",".join(_valid_row(name, "2023-05", 7)) + "\n")
            handle.write(",".join(_valid_row(name, "2023-04", 2)) + "\n")
    loaded = _load(tmp_path)
    assert list(loaded.loads) == list(SV_TEMPLATES)
    for name, load in loaded.loads.items():
        schema = SV_TEMPLATES[name]
        assert list(load.table.columns) == list(schema.tidy_columns)
        counts = [c.tidy for c in schema.columns if c.kind == "int"]
        assert load.table[counts[0]].sum() == 9, name
        assert load.rows_read == 2 and load.rows_rejected == 0
        assert load.table["month"].astype(str).tolist() == ["2023-04", "2023-05"]
    gaps = data_gap_table(loaded)
    assert (gaps["rows_loaded"] == 2).all()
    assert set(gaps["status"]) == {"in this data: 2 rows, April 2023 to May 2023"}
    assert gap_text(gaps).startswith("8 of the 8 partner datasets")


def test_empty_folder_lists_every_item_as_needed(tmp_path):
    for folder in (tmp_path, tmp_path / "no-such-folder"):
        loaded = _load(folder)
        gaps = data_gap_table(loaded)
        assert len(gaps) == len(sv_checklist())
        assert set(gaps["status"]) == {"not in this data"}
        assert (gaps["rows_loaded"] == 0).all()
        assert gaps["template_file"].tolist() == [f"{n}_template.csv" for n in SV_TEMPLATES]
        assert gaps["owner"].tolist() == sv_checklist()["owner"].tolist()
    assert not _load(tmp_path / "no-such-folder").found


def test_blank_templates_are_not_data(tmp_path):
    write_sv_templates(tmp_path)
    gaps = data_gap_table(_load(tmp_path))
    assert set(gaps["status"]) == {"not in this data (a file with no rows)"}


def test_gap_status_counts_loaded_rows_and_names_missing_months(tmp_path):
    rows = [_valid_row("hospital_admissions", m) for m in ("2023-01", "2023-02", "2023-05")]
    rows.append(["2023-06", "18-24", "Male", "4"])  # after the period end: set aside
    (tmp_path / "hes.csv").write_text(ADMISSIONS + "".join(",".join(r) + "\n" for r in rows),
                                      encoding="utf-8")
    gaps = data_gap_table(_load(tmp_path, period_end="2023-05")).set_index("template_file")
    assert gaps.loc["hospital_admissions_template.csv", "status"] == (
        "in this data: 3 rows, January 2023 to May 2023 (2 months inside missing: gaps, not "
        "zeros); 1 set aside")
    assert gaps.loc["ae_istv_template.csv", "status"] == "not in this data"
