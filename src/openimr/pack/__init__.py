"""The engine side of the guideline pack: its schema, the loader that validates it, which
editions are in force on a day, and how each predicate is answered from the facts."""
