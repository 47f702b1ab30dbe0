"""The parser never crashes: on random text and on mutated seed letters it either returns a
record or raises UserError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimr.errors import UserError
from openimr.intake.published.reader import parse_letter_text
from tests.conftest import seed_paths

SEED_LINES = [path.read_text(encoding="utf-8").split("\n") for path in seed_paths()]
VOCABULARY = [
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "CLINICAL CASE SUMMARY",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "ISSUE AT DISPUTE:",
    "Decision rationale:",
    "MAXIMUS guideline: Decision based on",
    "Claims Administrator guideline:",
    "x:  Upheld",
    ":  Overturned",
    "1) MAXIMUS Federal Services, Inc. has determined the request for",
    "is not medically necessary",
    "Is the requested",
    "Case Number:",
    "Date Assigned: 13/45/2014",
    "Page(s):",
    "DETERMINATION: UPHELD",
    "Board Certified in",
    "",
    " ",
    "-",
]


def _parse(text: str) -> None:
    try:
        record = parse_letter_text(text, source="generated")
    except UserError:
        return
    assert record.items
    assert any(item.decision for item in record.items)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_random_text(text):
    _parse(text)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=40), max_size=60))
def test_random_letter_like_lines(lines):
    _parse("\n".join(lines))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(range(len(SEED_LINES))),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=6),
    shuffle=st.randoms(use_true_random=False),
    junk=st.text(max_size=80),
)
def test_mutated_seeds(seed, cuts, shuffle, junk):
    lines = list(SEED_LINES[seed])
    for start, length in cuts:
        start %= max(len(lines), 1)
        mutation = shuffle.choice(["delete", "duplicate", "swap", "insert"])
        if mutation == "delete":
            del lines[start : start + length % 10]
        elif mutation == "duplicate":
            lines[start:start] = lines[start : start + length % 10]
        elif mutation == "swap" and lines:
            other = length % len(lines)
            lines[start], lines[other] = lines[other], lines[start]
        else:
            lines.insert(start, junk)
    _parse("\n".join(lines))


def test_truncating_a_seed_anywhere_is_safe_and_flagged():
    text = seed_paths()[0].read_text(encoding="utf-8")
    for end in range(0, len(text), 97):
        _parse(text[:end])
    cut = text[: text.index("Therefore, the request for Myofascial")]
    record = parse_letter_text(cut)
    assert [item.truncated for item in record.items] == [False, True]
    assert record.items[1].truncation_reason == "the rationale has no conclusion"
    assert record.truncated
