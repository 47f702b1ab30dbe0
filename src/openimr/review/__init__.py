"""Review: rule selection, criteria evaluation, decision, rationale, documentation gaps."""
