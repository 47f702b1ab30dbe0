"""The Medical Evidence Search Sequence (8 CCR 9792.21.1): which source is consulted first.
The order and the descriptions are data (``vocabulary.yaml``: search_sequence)."""

from __future__ import annotations

from openimr.model import HierarchyLevel
from openimr.vocabulary import vocabulary

SEARCH_SEQUENCE: tuple[HierarchyLevel, ...] = tuple(
    HierarchyLevel(level) for level in vocabulary().search_sequence
)
DESCRIPTIONS: dict[HierarchyLevel, str] = {
    HierarchyLevel(level): text for level, text in vocabulary().search_sequence.items()
}


def rank(level: HierarchyLevel) -> int:
    """0 for the MTUS; higher numbers are consulted only when every lower one is silent."""
    return SEARCH_SEQUENCE.index(level)
