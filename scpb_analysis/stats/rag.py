"""Red/Amber/Green ratings that carry their rule, so a reader can check every colour.

The dashboard's circles and arrows never said what turned them red. A :class:`RagRule` is a
named, configurable rule with its own plain-English text; applying it returns the ratings, and
every table that shows a rating shows the rule's text beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "RagRule",
    "rank_movement_rule",
    "significance_rule",
    "target_rule",
]


@dataclass(frozen=True)
class RagRule:
    """A rating rule: either thresholds on a number or a mapping from labels.

    Parameters
    ----------
    name : str
        Short identifier, e.g. ``"rank movement"``.
    text : str
        The rule in words, printed beside every rating.
    bands : sequence of (lower bound, rating), optional
        For numeric rules: a value gets the rating of the first band whose lower bound it
        reaches, bands ordered from highest bound down.
    mapping : mapping of label to rating, optional
        For categorical rules.
    column : str, optional
        The column of a comparison table the rule reads (e.g. ``"peer_rank_movement"``),
        so a table builder knows what to apply it to.

    Examples
    --------
    >>> rule = target_rule()
    >>> rule.apply([120, 85, 70, 10]).tolist()
    ['Green', 'Green Amber', 'Red Amber', 'Red']
    >>> rule.text
    'Percentage of targeted improvement achieved: 100% or more Green; 80% to under 100% Green \
Amber; 65% to under 80% Red Amber; under 65% Red'
    """

    name: str
    text: str
    bands: Sequence[tuple[float, str]] = field(default_factory=tuple)
    mapping: Mapping[str, str] = field(default_factory=dict)
    column: str = ""
    missing: str = "Not rated"

    def __post_init__(self) -> None:
        if bool(self.bands) == bool(self.mapping):
            raise ValueError("a RAG rule needs either numeric bands or a label mapping")
        bounds = [b for b, _ in self.bands]
        if bounds != sorted(bounds, reverse=True):
            raise ValueError("RAG bands must be ordered from the highest lower bound down")

    def apply(self, values) -> pd.Series:
        """Ratings for ``values`` (numbers for banded rules, labels for mapped ones)."""
        series = pd.Series(values)
        if self.mapping:
            unknown = sorted(set(series.dropna()) - set(self.mapping))
            if unknown:
                raise ValueError(f"RAG rule '{self.name}' has no rating for: "
                                 f"{', '.join(map(str, unknown))}")
            return series.map(self.mapping).fillna(self.missing).astype(object)
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        out = np.full(len(numbers), self.missing, dtype=object)
        assigned = np.zeros(len(numbers), dtype=bool)
        for bound, rating in self.bands:
            hit = ~assigned & ~np.isnan(numbers) & (numbers >= bound)
            out[hit] = rating
            assigned |= hit
        return pd.Series(out, index=series.index)


def target_rule() -> RagRule:
    """The commissioning-plan key (seed 001): percentage of targeted improvement achieved."""
    return RagRule(
        name="target achievement",
        text="Percentage of targeted improvement achieved: 100% or more Green; 80% to under "
        "100% Green Amber; 65% to under 80% Red Amber; under 65% Red",
        bands=((100.0, "Green"), (80.0, "Green Amber"), (65.0, "Red Amber"),
               (-np.inf, "Red")),
        column="target_achieved_pct",
    )


def rank_movement_rule(amber_band: int = 0) -> RagRule:
    """Rating on places moved in the ranking since the previous period (positive = better).

    ``amber_band`` widens Amber to moves of up to that many places either way.

    >>> rank_movement_rule().apply([2, 0, -3]).tolist()
    ['Green', 'Amber', 'Red']
    """
    if amber_band < 0:
        raise ValueError("amber_band must be 0 or more places")
    if amber_band:
        text = (f"Rank movement since the previous quarter: improved by more than {amber_band} "
                f"places Green; within {amber_band} places either way Amber; worsened by more "
                f"than {amber_band} places Red")
    else:
        text = ("Rank movement since the previous quarter: improved (closer to 1) Green; "
                "unchanged Amber; worsened Red")
    return RagRule(
        name="rank movement",
        text=text,
        bands=((amber_band + 1, "Green"), (-amber_band, "Amber"), (-np.inf, "Red")),
        column="peer_rank_movement",
    )


def significance_rule(polarity: str = "lower_is_better", alpha: float = 0.05,
                      span: str = "12m") -> RagRule:
    """Rating on the significance of change: real falls Green, real rises Red, noise Amber.

    ``span`` is ``"12m"`` or ``"3m"``: which comparison the rule reads.

    >>> significance_rule().apply(["significant decrease", "no significant change"]).tolist()
    ['Green', 'Amber']
    """
    good, bad = (("significant decrease", "significant increase")
                 if polarity == "lower_is_better"
                 else ("significant increase", "significant decrease"))
    if span not in ("12m", "3m"):
        raise ValueError(f"span must be '12m' or '3m', got {span!r}")
    level = f"{alpha * 100:g}%"
    months = "12 months" if span == "12m" else "3 months"
    return RagRule(
        name="significance of change",
        text=f"Change in the {months} against the same period a year earlier, exact test at "
        f"the {level} level: {good} Green; no significant change Amber; {bad} Red",
        mapping={good: "Green", "no significant change": "Amber", bad: "Red"},
        column=f"significance_{span}",
    )
