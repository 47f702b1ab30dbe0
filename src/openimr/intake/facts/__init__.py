"""Clinical facts with evidence: ``extract_facts(text, source)``. Imports medspaCy lazily."""

from openimr.intake.facts.extract import extract_facts, principal_regions

__all__ = ["extract_facts", "principal_regions"]
