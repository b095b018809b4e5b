"""Serious Violence Duty: the data-gap table of the partner data the police do not publish.

The guidance on the Serious Violence Duty asks the strategic needs assessment for partner data
beyond police recorded crime (A&E attendances under ISTV, hospital admissions, youth justice,
education, probation, children's social care, victims and suspects, perception). The checklist
of those items and the template each partner fills in are
:mod:`scpb_analysis.reference.sv_partner_schema`'s; the filled templates are read by
:func:`scpb_analysis.sources.sv_partners.load_sv_partner_data`.

:func:`data_gap_table` sets one against the other: per checklist item, whether this data holds
it and, if not, the dataset, owner and template file that would fill the gap.
:func:`gap_text` words the table in a sentence and :func:`gap_findings` makes it a key finding.
"""

from __future__ import annotations

import pandas as pd

from scpb_analysis.core.periods import month_label
from scpb_analysis.reference.sv_partner_schema import sv_checklist, sv_template_file
from scpb_analysis.sources.partnership import PartnershipLoad
from scpb_analysis.sources.sv_partners import SVPartnerData

__all__ = ["GAP_COLUMNS", "data_gap_table", "gap_findings", "gap_text"]

#: Columns of :func:`data_gap_table`.
GAP_COLUMNS = ["item", "guidance", "status", "rows_loaded", "first_month", "last_month", "dataset",
               "owner", "statistic", "template_file"]


def _status(load: PartnershipLoad | None) -> tuple[str, int, str, str]:
    if load is None:
        return "not in this data", 0, "", ""
    table = load.table
    if table.empty:
        read = load.rows_read
        why = ("a file with no rows" if read == 0 else
               f"{read:,} {'row' if read == 1 else 'rows'} read, all set aside")
        return f"not in this data ({why})", 0, "", ""
    first, last = table["month"].min(), table["month"].max()
    rows = len(table)
    text = (f"in this data: {rows:,} {'row' if rows == 1 else 'rows'}, "
            f"{month_label(first)} to {month_label(last)}")
    months = set(table["month"])
    gaps = len(pd.period_range(first, last, freq="M")) - len(months)
    if gaps:
        text += f" ({gaps} {'month' if gaps == 1 else 'months'} inside missing: gaps, not zeros)"
    if load.rows_rejected:
        text += f"; {load.rows_rejected:,} set aside"
    return text, rows, str(first), str(last)


def data_gap_table(loaded: SVPartnerData | None) -> pd.DataFrame:
    """One row per checklist item: what the guidance asks, whether this data holds it, and if not
    the dataset, owner and template file that would fill the gap.

    Parameters
    ----------
    loaded : SVPartnerData or None
        From :func:`~scpb_analysis.sources.sv_partners.load_sv_partner_data`; ``None`` when
        no folder was read.

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_COLUMNS`: ``item`` (the item's title), ``guidance``, ``status`` ("in this
        data: N rows, May 2023 to June 2023" or "not in this data"), ``rows_loaded``,
        ``first_month``
        and ``last_month`` (empty when not held), ``dataset``, ``owner``, ``statistic``,
        ``template_file``.

    Examples
    --------
    >>> gaps = data_gap_table(None)
    >>> len(gaps) == len(sv_checklist()), set(gaps["status"])
    (True, {'not in this data'})
    >>> gaps.loc[1, "template_file"]
    'ae_istv_template.csv'
    """
    loads = loaded.loads if loaded is not None else {}
    rows = []
    for item in sv_checklist().to_dict("records"):
        status, n, first, last = _status(loads.get(item["template"]))
        rows.append({"item": item["title"], "guidance": item["guidance"], "status": status,
                     "rows_loaded": n, "first_month": first, "last_month": last,
                     "dataset": item["dataset"], "owner": item["owner"],
                     "statistic": item["statistic"],
                     "template_file": sv_template_file(item["template"])})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def gap_text(gaps: pd.DataFrame) -> str:
    """One sentence for the page, generated from :func:`data_gap_table`'s table.

    Examples
    --------
    >>> gap_text(data_gap_table(None))[:60]
    'The guidance asks for 8 partner datasets beyond police recor'
    """
    held = gaps.loc[gaps["rows_loaded"] > 0, "item"].tolist()
    needed = gaps.loc[gaps["rows_loaded"] == 0, "item"].tolist()
    total = len(gaps)
    if not held:
        return (f"The guidance asks for {total} partner datasets beyond police recorded crime, "
                "and this data holds none of them yet; the table names each one's owner and "
                "the template file to fill in (saved in the data folder's svd/ folder).")
    lead = (f"{len(held)} of the {total} partner datasets the guidance asks for "
            f"{'is' if len(held) == 1 else 'are'} in this data ({_listing(held)})")
    if not needed:
        return lead + "."
    return (lead + f"; {len(needed)} {'is' if len(needed) == 1 else 'are'} still needed "
            f"({_listing(needed)}), each from the owner the table names.")


def gap_findings(gaps: pd.DataFrame, *, table: str = "needs_assessment_data_gaps") -> list:
    """A key finding naming the partner datasets not yet held (none if all are held).

    Examples
    --------
    >>> print(gap_findings(data_gap_table(None).head(2))[0].text)
    Not yet held, so not in this assessment: victims and suspects of violence by age and sex; \
A&E assault attendances (ISTV). The data-gap table names each owner and the template to \
fill in.
    """
    from scpb_analysis.blocks.sv_findings import Finding

    needed = gaps[gaps["rows_loaded"] == 0]
    if needed.empty:
        return []
    names = [str(item) for item in needed["item"]]
    text = ("Not yet held, so not in this assessment: "
            + "; ".join(n[0].lower() + n[1:] if n[1:2].islower() else n for n in names)
            + ". The data-gap table names each owner and the template to fill in.")
    return [Finding("Data gaps", text, table,
                    tuple(({"item": n}, {}) for n in names))]
