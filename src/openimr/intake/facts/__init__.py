"""Clinical facts with evidence: ``extract_facts(text, source)``. Imports medspaCy lazily."""

from openimr.intake.facts.extract import case_level_facts, extract_facts, principal_regions

__all__ = ["case_level_facts", "extract_facts", "principal_regions"]
