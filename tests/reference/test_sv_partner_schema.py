"""The Serious Violence Duty checklist and its partner templates (the schema, as packaged).

Every item the guidance asks for beyond police recorded crime has a template, and no template
asks a partner for anything personal: each is an aggregate count by month.
"""

from __future__ import annotations

from scpb_analysis.reference.partnership_schema import is_personal_header
from scpb_analysis.reference.sv_partner_schema import (
    SV_TEMPLATES,
    sv_checklist,
    sv_data_dictionary,
)

# -- the registry -------------------------------------------------------------------------


def test_checklist_holds_every_item_the_guidance_asks_for():
    items = sv_checklist()
    assert set(items["item"]) >= {"ae_istv", "hospital_admissions", "youth_justice",
                                  "education", "probation", "childrens_social_care",
                                  "police_victims_suspects", "perception"}
    for column in ("guidance", "dataset", "owner", "statistic"):
        assert (items[column].str.len() > 20).all(), column
    assert set(items["template"]) == set(SV_TEMPLATES)


def test_no_template_has_a_personal_column_and_every_one_counts_by_month():
    for schema in SV_TEMPLATES.values():
        assert not [h for h in schema.headers if is_personal_header(h)], schema.name
        assert schema.date_column.header == "Month"
        assert any(c.kind == "int" for c in schema.columns)
    dd = sv_data_dictionary()
    assert set(dd["type"]) <= {"month", "category", "int"}
