"""The indicator registry: what each board indicator is, how it is measured, against what.

In 2017 the Community Leadership Committee asked that indicators show "(i) how the indicators
are measured and (ii) what are they measured against". The registry
(``reference/indicator_registry.csv``) answers that once for every board indicator; tables,
charts and narrative take their titles and caveats from it.

Columns: ``id, title, definition, source, categories`` (canonical taxonomy ids summed to make
the indicator, ``;``-separated; empty where the MPS borough files do not carry it),
``numerator, denominator, polarity`` (``lower_is_better``, ``higher_is_better`` or ``none``),
``comparison_basis, caveats, definition_changes`` (dated, ``;``-separated).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pandas as pd

from scpb_analysis.reference.packaged import read_packaged_csv

__all__ = [
    "DASHBOARD_INDICATORS",
    "WARD_INDICATORS",
    "NEEDS_INDICATORS",
    "POLICEUK_DASHBOARD_INDICATORS",
    "POLICEUK_WARD_INDICATORS",
    "POLICEUK_NEEDS_INDICATORS",
    "POLARITIES",
    "indicator_registry",
    "indicator_info",
    "indicator_categories",
    "how_measured",
]

#: The registry's ``polarity`` values: which way is better, if either.
POLARITIES = ("lower_is_better", "higher_is_better", "none")

# The named indicator lists of the pack, defined here once (every member is a registry id;
# tests/reference/test_vocabularies.py checks it). They differ on purpose, each being what one
# product reports:

#: The headline indicators of the performance dashboard, in its order. The first four are in
#: every MPS publication; the last three come from the MPS Monthly Crime Dashboard extract.
DASHBOARD_INDICATORS = (
    "residential_burglary",
    "non_residential_burglary",
    "robbery_of_personal_property",
    "violence_with_injury",
    "knife_crime_with_injury",
    "gun_crime_lethal_barrelled_discharges",
    "domestic_abuse_violence_with_injury",
)

#: The headline indicators of a dashboard outside London, from police.uk crime types: its
#: broader groups standing for the MPS headline burglary, robbery and violence, and possession
#: of weapons for knife crime (police.uk publishes no knife, gun or domestic-abuse flag).
POLICEUK_DASHBOARD_INDICATORS = (
    "burglary",
    "robbery",
    "violence_and_sexual_offences",
    "possession_of_weapons",
)

#: Indicators mapped by ward outside London: police.uk's counterparts of
#: :data:`WARD_INDICATORS`.
POLICEUK_WARD_INDICATORS = (
    "burglary",
    "robbery",
    "violence_and_sexual_offences",
)

#: Indicators mapped by ward in the pack, in order. Fewer than the dashboard's on purpose: the
#: last three dashboard indicators come from the Monthly Crime Dashboard extract, which has no
#: ward figures, and the pack does not map non-residential burglary by ward.
WARD_INDICATORS = (
    "residential_burglary",
    "robbery_of_personal_property",
    "violence_with_injury",
)

#: Registry indicators the needs assessment's definitions appendix covers by default: the
#: serious-violence indicators that assessment is about, not the dashboard's burglary and
#: robbery.
NEEDS_INDICATORS = (
    "violence_with_injury",
    "knife_crime_with_injury",
    "gun_crime_lethal_barrelled_discharges",
    "domestic_abuse_violence_with_injury",
    "coercive_control",
    "drug_trafficking",
    "possession_of_weapons",
)


#: The needs assessment's indicators outside London: what police.uk holds of serious violence
#: and its drivers (violence and sexual offences, robbery, weapons, drugs, anti-social
#: behaviour).
POLICEUK_NEEDS_INDICATORS = (
    "violence_and_sexual_offences",
    "robbery",
    "possession_of_weapons",
    "drugs",
    "anti_social_behaviour",
)


@cache
def _registry() -> pd.DataFrame:
    table = read_packaged_csv("indicator_registry.csv", dtype=str, keep_default_na=False)
    bad = sorted(set(table["polarity"]) - set(POLARITIES))
    if bad:
        raise RuntimeError(f"indicator_registry.csv: unknown polarity {', '.join(bad)}")
    return table


def indicator_registry() -> pd.DataFrame:
    """Every board indicator with its definition, source, polarity and caveats.

    >>> reg = indicator_registry().set_index("id")
    >>> reg.loc["violence_with_injury", "polarity"]
    'lower_is_better'
    """
    return _registry().copy()


def indicator_info(indicator: str) -> dict[str, str]:
    """The registry row of one indicator, as a dict.

    >>> indicator_info("residential_burglary")["title"]
    'Residential Burglary'
    """
    table = _registry().set_index("id")
    if indicator not in table.index:
        raise KeyError(f"'{indicator}' is not in the indicator registry; known: "
                       f"{', '.join(table.index)}")
    return {"id": indicator, **table.loc[indicator].to_dict()}


def indicator_categories(indicator: str) -> list[str]:
    """Canonical taxonomy ids that make up an indicator (empty if not in MPS borough data).

    >>> indicator_categories("drug_offences")
    ['possession_of_drugs', 'drug_trafficking']
    >>> indicator_categories("knife_crime_with_injury")
    []
    """
    text = indicator_info(indicator)["categories"]
    return [c for c in text.split(";") if c]


def how_measured(indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """The "how measured / measured against" table for a report.

    >>> how_measured(["residential_burglary"]).columns.tolist()
    ['Indicator', 'How measured', 'Measured against', 'Better is', 'Source', 'Caveats', \
'Definition changes']
    """
    table = _registry()
    if indicators is not None:
        for ind in indicators:
            indicator_info(ind)
        table = table.set_index("id").loc[list(indicators)].reset_index()
    better = {"lower_is_better": "lower", "higher_is_better": "higher", "none": "no polarity"}
    return pd.DataFrame({
        "Indicator": table["title"],
        "How measured": table["definition"] + ". " + table["numerator"] + ".",
        "Measured against": table["denominator"] + "; " + table["comparison_basis"],
        "Better is": table["polarity"].map(better),
        "Source": table["source"],
        "Caveats": table["caveats"],
        "Definition changes": table["definition_changes"],
    })
