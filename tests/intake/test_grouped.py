"""Alternations grouped by first character (intake/grouped.py) match exactly as the plain
alternation of the same phrases does."""

from __future__ import annotations

import re

from openimr import runcache
from openimr.intake.facts.extract import extract_facts
from openimr.intake.grouped import MEMO, _grouped, alternation, plain

# (Only matched here, not read for facts: the case twins are for the patterns.)
TWINS = "Norco 10/325 mg q6h, Ibuprofen 800 mg, \u017fertraline, \u212aetorolac, \u0130buprofen."
TEXTS = [
    "Low back pain radiating to the LEFT leg; completed twelve PT visits (12) in 2014.",
    "SLR negative bilaterally. DTRs 2+ and symmetric. Motor 4+/5 in the right EHL.",
    "Pain is worse; pain improved; pa p pai; back pain; BACK; b; painful.",
    "",
]
# Earlier phrases that match where later ones would too: the alternation takes the first.
SHADOWING = ["pa", "pain", "p", "back pain", "b", "ba", "c", "(?:x|y)z", "9 mg", "-1"]


def _whole(alternatives: str) -> str:
    return r"(?<![\w])" + alternatives + r"(?![\w])"


def _matches(rx: re.Pattern[str], text: str) -> list:
    return [(m.span(), m.group()) for m in rx.finditer(text)]


def _assert_same(phrases: list[str], texts: list[str]) -> None:
    grouped = _grouped(list(phrases))
    for flags in (re.IGNORECASE, 0):
        written = re.compile(_whole(plain(phrases)), flags)
        faster = re.compile(_whole(grouped), flags)
        assert faster.groups == written.groups
        for text in texts:
            assert _matches(faster, text) == _matches(written, text), (phrases[:3], text[:40])


def test_the_first_phrase_that_matches_is_still_the_one_taken() -> None:
    assert _grouped(SHADOWING) != plain(SHADOWING)  # it is grouped
    _assert_same(SHADOWING, [TWINS, *TEXTS, "pa pain p x1 xz yz 9 mg -1 ba back pain"])
    rx = re.compile(_grouped(SHADOWING))
    assert [m.group() for m in rx.finditer("pain back pain")] == ["pa", "back pain"]


def test_every_alternation_of_the_rules_matches_as_written(seed_texts) -> None:
    for text in [*TEXTS, *seed_texts.values()]:
        extract_facts(text)
    texts = [TWINS, *TEXTS, *seed_texts.values()]
    built = runcache.used(MEMO)
    grouped = [list(phrases) for phrases, text in built.items() if text != plain(list(phrases))]
    assert len(grouped) > 50  # most of the rules' long alternations are grouped
    for phrases in grouped:
        _assert_same(phrases, texts)


def test_phrases_it_cannot_speak_for_are_left_plain() -> None:
    many = [f"w{i}" for i in range(10)]
    for phrases in [
        ["a"],  # too few to gain
        [*many, "{NUM} visits"],  # a placeholder filled in later
        [*many, "(a)b"],  # a group of its own
        ["[^a]b", "x?", *many[:7]],  # too few with a first character
    ]:
        assert alternation(phrases) == plain(phrases), phrases


def test_phrases_that_may_start_anywhere_are_tried_in_their_place_everywhere() -> None:
    many = [f"w{i}" for i in range(10)]
    texts = [TWINS, *TEXTS, "w1 qb ab x w3x \u00e9t\u00e9 \u00c9T\u00c9 LT lt w9", "x", "w"]
    for phrases in [
        [*many[:5], "[^a]b", *many[5:]],  # may start with almost anything
        [*many, "x?"],  # may match the empty string (also at the end of the text)
        ["\u00e9t\u00e9", *many],  # a non-ASCII first letter
        [*many, "(?-i:LT)", "w1x"],  # local flags
        ["w\\d", *many, "\\w3x"],  # a class first: shadows a later phrase
    ]:
        grouped = _grouped(list(phrases))
        assert grouped != plain(phrases), phrases
        _assert_same(phrases, texts)
