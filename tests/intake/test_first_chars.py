"""Patterns led by a test of their first character (intake/first_chars.py) match exactly
where the patterns as written match."""

from __future__ import annotations

import re

from openimr import runcache
from openimr.intake.facts.extract import extract_facts
from openimr.intake.first_chars import MEMO, _led

TEXTS = [
    "Low back pain radiating to the LEFT leg; completed twelve PT visits (12) in 2014.",
    "She has had -6 visits, 1,500 sessions and 10^26 treatments per the note.",
    "S/P L4-5 fusion 03/12/2013. Norco 10/325 mg q6h, MED 40. Pain 7/10 -> 3/10.",
    "SLR negative bilaterally. DTRs 2+ and symmetric. Motor 4+/5 in the right EHL.",
    "Pt is a 47 y/o male; unable to sit > 30 min; returned to modified work on 5/1.",
    "No focal deficit.\n\nPLAN:\n1) Acupuncture x 6\n2) Follow up in four weeks.",
    "",
    "\u00e9t\u00e9 caf\u00e9 \u2013 \u2212 \u2022 \u017f \u212a \u0130",
]


def _matches(rx: re.Pattern[str], text: str) -> list:
    return [(m.span(), m.groups(), m.groupdict()) for m in rx.finditer(text)]


def test_every_rule_pattern_led_matches_as_written(seed_texts) -> None:
    extract_facts(TEXTS[0])
    for text in seed_texts.values():
        extract_facts(text)
    led = {key: value for key, value in runcache.used(MEMO).items() if value != key[0]}
    assert len(led) > 300  # most rule patterns are led
    texts = [*TEXTS, *seed_texts.values()]
    for (pattern, flags), leading in led.items():
        written, faster = re.compile(pattern, flags), re.compile(leading, flags)
        assert faster.groupindex == written.groupindex and faster.groups == written.groups
        for text in texts:
            assert _matches(faster, text) == _matches(written, text), (pattern, text[:40])


def test_the_first_character_is_read_under_the_pattern_flags() -> None:
    leading = _led(r"(?<![\w])(?:lumbar|low\s+back)\s+pain", re.IGNORECASE)
    assert leading.startswith("(?=[")
    assert re.compile(leading, re.IGNORECASE).search("LUMBAR PAIN").span() == (0, 11)
    assert re.compile(_led(r"(?P<n>\d+)\s*x\s*(?P<w>\d+)", 0)).search("PT 2 x 6")["w"] == "6"
    assert re.compile(_led(r"(?:a?|c)b\d", 0)).findall("ab1 b2 cb3 db4") == [
        "ab1",
        "b2",
        "cb3",
        "b4",
    ]


def test_patterns_it_cannot_speak_for_are_left_as_written() -> None:
    for pattern, flags in [
        (r"(?i:knee)\s+pain", 0),  # local flags
        (r"(?i)knee", 0),  # global flags written in the pattern
        (r"a?b?", 0),  # may match the empty string
        (r"[^a]b", 0),  # a negated class
        (r".b", 0),  # any character
        (r"(a)\1", 0),  # a back reference
        (r"\w+ly", 0),  # a broad class
        (r"knee", 0),  # the engine skips to its literal prefix itself
        (r"x  # a comment", re.VERBOSE),
        (r"(?<=\w", 0),  # not a pattern at all: compiling it raises the same error
    ]:
        assert _led(pattern, flags) == pattern, pattern
