"""Limits that protect the user from a mistaken input (a log file, a whole folder pasted in).

No real IMR case is near any of them; each is refused with a one-line error naming the file.
They are documented in the README."""

MAX_FILE_BYTES = 10 * 1024 * 1024
"""A case file or letter (.json, .yaml, .txt, .pdf): real ones are well under 1 MB."""

MAX_CASE_CHARACTERS = 1_000_000
"""Clinical summary and records together: about 300 pages of notes."""

MAX_REQUESTS = 100
"""Disputed items in one case: published letters carry one to a dozen."""

MAX_JSONL_BYTES = 4 * 1024 * 1024 * 1024
"""A JSON Lines batch: a year of cases (about 170,000) fits; it is read a line at a time."""

MAX_JSONL_LINE_BYTES = 8 * 1024 * 1024
"""One case on one line of a JSON Lines file."""

MAX_NESTING = 32
"""Depth of objects and lists in a case file: the schema needs 4."""

MAX_VALUES = 100_000
"""Values (strings, numbers, items) in one case file: YAML aliases can make a small file
stand for billions ("billion laughs"); a real case holds a few hundred."""
