"""The Medical Evidence Search Sequence (8 CCR 9792.21.1): which source is consulted first."""

from __future__ import annotations

from openimr.model import HierarchyLevel

SEARCH_SEQUENCE: tuple[HierarchyLevel, ...] = (
    HierarchyLevel.MTUS,
    HierarchyLevel.ACOEM_ODG,
    HierarchyLevel.OTHER_GUIDELINE,
    HierarchyLevel.PEER_REVIEWED,
)

DESCRIPTIONS: dict[HierarchyLevel, str] = {
    HierarchyLevel.MTUS: "MTUS (presumptively correct on the extent and scope it addresses)",
    HierarchyLevel.ACOEM_ODG: "ACOEM or ODG, where the MTUS is silent or its presumption rebutted",
    HierarchyLevel.OTHER_GUIDELINE: "another nationally recognised evidence-based guideline",
    HierarchyLevel.PEER_REVIEWED: "peer-reviewed studies in nationally recognised journals",
}


def rank(level: HierarchyLevel) -> int:
    """0 for the MTUS; higher numbers are consulted only when every lower one is silent."""
    return SEARCH_SEQUENCE.index(level)
