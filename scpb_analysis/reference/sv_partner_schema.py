"""Serious Violence Duty: the partner data the police do not publish, as a checklist and templates.

The Home Office statutory guidance on the Serious Violence Duty (December 2022) asks the
partnership's strategic needs assessment for more than police recorded crime: emergency
department data shared under Information Sharing to Tackle Violence (ISTV), hospital
admissions for assault with a sharp object, youth justice, school exclusions and absence,
probation, children's social care, victim and suspect profiles and how residents perceive
violence. None of them is in the public files. Each is a checklist item in the packaged
registry ``sv_partner_data.csv`` (what the guidance asks, the dataset, its owner among the duty
holders, the statistic it gives; :func:`sv_checklist`) with a template the partner fills in
(:func:`write_sv_templates` writes them; :func:`sv_data_dictionary` lists every column):
``sv_partner_columns.csv`` lists each template's columns and ``sv_partner_values.csv`` the
allowed values and their other spellings, in the layout of the partnership tables. The
templates are built with the partnership schema's classes
(:mod:`scpb_analysis.reference.partnership_schema`), so headers and values match as the
partnership templates' do.

Every template is an aggregate, one row per month and breakdown (age band, sex, measure, ...)
with whole-number counts: no names, dates of birth or addresses. Filled templates are read by
:func:`scpb_analysis.sources.sv_partners.load_sv_partner_data`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from scpb_analysis.reference.packaged import read_packaged_csv
from scpb_analysis.reference.partnership_schema import Column, SourceSchema

__all__ = ["SV_TEMPLATES", "SV_NOT_ABOVE", "sv_checklist", "sv_data_dictionary",
           "sv_template_file", "write_sv_templates"]

_ITEMS = read_packaged_csv("sv_partner_data.csv", dtype=str, keep_default_na=False)
_COLUMNS = read_packaged_csv("sv_partner_columns.csv", dtype=str, keep_default_na=False)
_VALUES = read_packaged_csv("sv_partner_values.csv", dtype=str, keep_default_na=False)


def _field(name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    if not name:
        return (), {}
    rows = _VALUES[_VALUES["field"] == name]
    if rows.empty:
        raise RuntimeError(f"sv_partner_columns.csv names the value list {name!r}, which "
                           "sv_partner_values.csv does not hold")
    spelled = rows["spelling"] != ""
    return (tuple(rows.loc[~spelled, "value"]),
            dict(zip(rows.loc[spelled, "spelling"], rows.loc[spelled, "value"], strict=True)))


def _column(row: dict[str, str]) -> Column:
    allowed, variants = _field(row["values"])
    return Column(row["header"], row["tidy"], row["kind"], required=True, allowed=allowed,
                  variants=variants,
                  header_variants=tuple(h for h in row["header_variants"].split("|") if h),
                  description=row["description"])


def _templates() -> dict[str, SourceSchema]:
    out = {}
    for item in _ITEMS.to_dict("records"):
        rows = _COLUMNS[_COLUMNS["template"] == item["template"]].to_dict("records")
        columns = tuple(_column(r) for r in rows)
        out[item["template"]] = SourceSchema(
            item["template"], item["title"], columns, (),
            (*(c.tidy for c in columns), "source_file", "source_row"),
            description=item["description"])
    return out


#: One template per checklist item, built from the packaged tables with the partnership
#: schema's classes (so headers and values match as the partnership templates' do).
SV_TEMPLATES: dict[str, SourceSchema] = _templates()
#: (template, header) -> the header of the count it may not exceed (agreeing <= respondents).
SV_NOT_ABOVE: dict[tuple[str, str], str] = {
    (r["template"], r["header"]): r["not_above"]
    for r in _COLUMNS.to_dict("records") if r["not_above"]}


def sv_checklist() -> pd.DataFrame:
    """The guidance checklist: one row per item the police's public data cannot answer.

    Returns
    -------
    pandas.DataFrame
        ``item, template, title, guidance, dataset, owner, statistic, description``.

    Examples
    --------
    >>> items = sv_checklist()
    >>> "ae_istv" in set(items["item"]), "hospital_admissions" in set(items["item"])
    (True, True)
    """
    return _ITEMS.copy()


def sv_data_dictionary() -> pd.DataFrame:
    """Every template column: ``template, column, tidy_name, type, allowed, description``.

    Examples
    --------
    >>> dd = sv_data_dictionary()
    >>> dd.loc[dd.template == "hospital_admissions", "column"].tolist()
    ['Month', 'Age Band', 'Sex', 'Admissions']
    """
    rows = []
    for schema in SV_TEMPLATES.values():
        for col in schema.columns:
            kind = "month" if col.kind == "date" else col.kind
            allowed = "; ".join(col.allowed) if col.allowed else (
                "0 or more" if col.kind == "int" else "a month from 2000")
            rows.append({"template": schema.name, "column": col.header, "tidy_name": col.tidy,
                         "type": kind, "allowed": allowed, "description": col.description})
    return pd.DataFrame(rows, columns=["template", "column", "tidy_name", "type", "allowed",
                                       "description"])


def sv_template_file(name: str) -> str:
    """The file name of a template's blank copy (:func:`write_sv_templates`).

    Examples
    --------
    >>> sv_template_file("ae_istv")
    'ae_istv_template.csv'
    """
    return f"{name}_template.csv"


def write_sv_templates(folder: str | Path) -> list[Path]:
    """Write one empty template per checklist item, ``<item>_template.csv``: the header only.

    Parameters
    ----------
    folder : path
        Where to write them (created if missing).

    Returns
    -------
    list of Path
        The files written, in checklist order.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_sv_templates(tempfile.mkdtemp())
    >>> paths[2].name
    'hospital_admissions_template.csv'
    >>> paths[2].read_text(encoding="utf-8")
    'Month,Age Band,Sex,Admissions\\n'
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for schema in SV_TEMPLATES.values():
        path = out / sv_template_file(schema.name)
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerow(schema.headers)
        written.append(path)
    return written

