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
    "RAG_RULES",
    "RagRule",
    "SignificanceRankRule",
    "rag_rule_named",
    "rank_movement_rule",
    "significance_and_rank_rule",
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

    def rate(self, table: pd.DataFrame, polarity: pd.Series | None = None) -> pd.Series:
        """Ratings for the rows of a comparison table: the rule applied to its ``column``.

        ``polarity`` (each row's ``lower_is_better``, ``higher_is_better`` or ``none``) is
        read by rules that judge a direction of change; this one does not need it.
        """
        return self.apply(table[self.column].to_numpy()).set_axis(table.index)


@dataclass(frozen=True)
class SignificanceRankRule(RagRule):
    """Significance first, then rank movement: a rating that cannot contradict its own tests.

    A statistically significant worsening in any of ``spans`` is Red and a significant
    improvement Green (Amber where the spans disagree), whatever the rank did; where no change
    is significant, the rank movement's bands decide (the rule's ``bands`` and ``column``).
    Which way is worse is each row's polarity.

    Examples
    --------
    >>> rule = significance_and_rank_rule()
    >>> table = pd.DataFrame({
    ...     "significance_12m": ["significant increase", "no significant change",
    ...                          "no significant change", "significant decrease"],
    ...     "significance_3m": ["no significant change", "no significant change",
    ...                         "significant decrease", "significant increase"],
    ...     "peer_rank_movement": [3, -2, -5, 0]})
    >>> rule.rate(table).tolist()
    ['Red', 'Red', 'Green', 'Amber']
    """

    spans: tuple[str, ...] = ("12m", "3m")

    def rate(self, table: pd.DataFrame, polarity: pd.Series | None = None) -> pd.Series:
        out = super().rate(table)
        if polarity is None:
            polarity = pd.Series("lower_is_better", index=table.index)
        lower = polarity.eq("lower_is_better").to_numpy()
        higher = polarity.eq("higher_is_better").to_numpy()
        worse = np.zeros(len(table), dtype=bool)
        better = np.zeros(len(table), dtype=bool)
        for span in self.spans:
            label = table[f"significance_{span}"]
            up = label.eq("significant increase").to_numpy()
            down = label.eq("significant decrease").to_numpy()
            worse |= (up & lower) | (down & higher)
            better |= (down & lower) | (up & higher)
        out[worse & ~better] = "Red"
        out[better & ~worse] = "Green"
        out[worse & better] = "Amber"
        return out


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


def significance_and_rank_rule(alpha: float = 0.05) -> SignificanceRankRule:
    """The dashboard's default rating: significant change first, then rank movement.

    The board's rule (rank movement against the previous quarter) rated a significant rise
    Green when other boroughs rose more; this rule keeps the rank for changes within chance
    and never rates a significant worsening Green or a significant improvement Red.

    >>> print(significance_and_rank_rule().text)  # doctest: +NORMALIZE_WHITESPACE
    Significant change first: a statistically significant worsening over the 12 or the 3
    months (exact test at the 5% level, against the same months a year earlier) Red, a
    significant improvement Green, Amber if the two disagree; otherwise the rank against the
    previous quarter: improved (closer to 1) Green, unchanged Amber, worsened Red
    """
    level = f"{alpha * 100:g}%"
    return SignificanceRankRule(
        name="significance and rank",
        text="Significant change first: a statistically significant worsening over the 12 or "
        f"the 3 months (exact test at the {level} level, against the same months a year "
        "earlier) Red, a significant improvement Green, Amber if the two disagree; otherwise "
        "the rank against the previous quarter: improved (closer to 1) Green, unchanged "
        "Amber, worsened Red",
        bands=((1, "Green"), (0, "Amber"), (-np.inf, "Red")),
        column="peer_rank_movement",
    )


#: The rules a pack or ``scpb compare`` can be asked for by name (``--rag``).
RAG_RULES = ("significance-and-rank", "rank-movement", "significance-12m", "significance-3m")


def rag_rule_named(name: str, alpha: float = 0.05) -> RagRule:
    """The rule ``--rag NAME`` asks for (:data:`RAG_RULES`).

    >>> rag_rule_named("rank-movement").name
    'rank movement'
    """
    if name == "significance-and-rank":
        return significance_and_rank_rule(alpha)
    if name == "rank-movement":
        return rank_movement_rule()
    if name in ("significance-12m", "significance-3m"):
        return significance_rule(alpha=alpha, span=name.rsplit("-", 1)[1])
    raise ValueError(f"RAG rule '{name}' is not known; expected one of {', '.join(RAG_RULES)}")


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
