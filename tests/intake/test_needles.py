"""A pattern's needles never rule out a text the pattern matches (needles.py)."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import openimr.intake.needles as needles_module
from openimr import runcache
from openimr.intake import regex_cache
from openimr.intake.facts.extract import extract_facts
from openimr.intake.needles import (
    CASE_TWINS,
    Sieves,
    fold,
    needles,
    pieces,
    sieve,
    text_pieces,
)
from tests.conftest import seed_paths

PATTERNS = [
    (r"(?<![\w])(?:lumbar|low\s+back)\s+pain(?![\w])", re.I),
    (r"(?<![\w])(?:(?:straight\s+)?leg\s+rais(?:e|ing)|SLR)(?![\w])", re.I),
    (r"\b(?:\d+|one|two)\s*(?:PT|physical\s+therapy)\s+(?:visits?|sessions?)\b", re.I),
    (r"no\s+(?:relief|help|benefit)|did\s+not\s+help", re.I),
    (r"[LS][1-5](?:\s*-\s*[LS]?[1-5])?", 0),
    (r"(?:x|times)\s*(?P<n>\d+)", re.I),
    (r"colou?r|gr[ae]y|(?:ab){2}c|(?:ab)+d|e{0,2}fg", re.I),
    (r"(?=.*\bpain\b)worse", re.I),
    (r"MRI(?!\s+of)|CT\s+scan", 0),
    (r"k[ae]lvin|\u00b0F|caf\u00e9", re.I),
    (r"(a)?(?(1)b|c)de", 0),
    (r".*", 0),
    (r"x?", 0),
]
TEXTS = [
    "Low back pain radiating to the left leg; SLR positive at 40 degrees.",
    "She completed 12 PT visits with no relief. Straight leg raising negative.",
    "MRI of the lumbar spine: L4-5 disc bulge. CT scan pending. grey colour",
    "abababd ababc fg eefg \u00b0f caf\u00c9 Kelvin",
    "no words of note here at all",
    "",
]


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_a_sieve_that_says_no_means_no_match(pattern, flags):
    rx = re.compile(pattern, flags)
    for text in TEXTS:
        if rx.search(text):
            assert sieve(rx).may_match(pieces(text)), (pattern, text)


def test_needles_tell_words_apart():
    rx = re.compile(r"(?<![\w])(?:lumbar|low\s+back)\s+pain(?![\w])", re.I)
    assert needles(rx) is not None
    assert not sieve(rx).may_match(pieces("Neck ache since the fall. Lumbar spine normal."))
    assert not sieve(rx).may_match(pieces("Neck ache since the fall; low-back ache."))
    assert sieve(rx).may_match(pieces("LUMBAR   pain"))
    assert sieve(re.compile(r"pain", 0)).may_match(pieces("PAIN"))  # case-blind: "no" is safe


def test_what_may_be_absent_is_no_needle():
    assert needles(re.compile(r".*")) is None
    assert needles(re.compile(r"x?")) is None
    assert needles(re.compile(r"(?:abc)*")) is None
    assert sieve(re.compile(r"(?:abc)*")).may_match(pieces("zzz"))


def test_the_case_twins_are_every_character_lower_does_not_fold():
    """Every non-ASCII character that IGNORECASE matches to an ASCII letter and that
    lower() does not make that letter is in CASE_TWINS."""
    every = "".join(chr(i) for i in range(0x80, 0x110000) if not 0xD800 <= i < 0xE000)
    twins = set()
    for letter in string.ascii_letters:
        for ch in re.findall(re.escape(letter), every, re.IGNORECASE):
            if ch.lower() != letter.lower():
                twins.add(ch)
        for ch in re.findall(f"[{letter}]", every, re.IGNORECASE):
            if ch.lower() != letter.lower():
                twins.add(ch)
    assert twins <= CASE_TWINS
    assert twins  # the test can fail: such characters exist


def test_a_text_with_a_case_twin_is_searched():
    assert fold("\u212aelvin") is None
    rx = re.compile(r"kelvin", re.I)
    assert rx.search("\u212aelvin")
    assert sieve(rx).may_match(pieces("\u212aelvin"))


def test_short_texts_are_searched_as_they_are():
    assert text_pieces("short") is None
    long = "Low back pain. " * 20
    assert text_pieces(long).current() == pieces(long).current()


_WORDS = st.sampled_from(
    [
        "low",
        "back",
        "lumbar",
        "pain",
        "leg",
        "raising",
        "raise",
        "SLR",
        "straight",
        "no",
        "relief",
        "help",
        "did",
        "not",
        "PT",
        "visits",
        "physical",
        "therapy",
        "sessions",
        "times",
        "x",
        "12",
        "one",
        "two",
        "MRI",
        "of",
        "CT",
        "scan",
        "L4",
        "-",
        "5",
        "S1",
        "colour",
        "grey",
        "abab",
        "c",
        "d",
        "fg",
        "e",
        "°",
        "café",
        "K",
        "K",
        "ı",
        ",",
        ";",
        ".",
        "\n",
    ]
)


@given(st.lists(_WORDS, max_size=30), st.sampled_from([" ", "  ", "\n", "-", ""]))
def test_no_text_the_pattern_matches_is_ruled_out(words, sep):
    text = sep.join(words)
    folded = pieces(text)
    for pattern, flags in PATTERNS:
        rx = re.compile(pattern, flags)
        if rx.search(text):
            assert sieve(rx).may_match(folded), (pattern, text)


def test_every_rule_pattern_keeps_its_matches_on_the_seed_letters():
    """On the seed letters, cut in pieces of several sizes: every rule pattern a review
    compiles that matches a piece is let through by its sieve."""
    extract_facts("Low back pain radiating to the left leg. Completed 12 PT visits.")
    patterns = [re.compile(p, f) for p, f in runcache.used(regex_cache.PATTERNS)]
    assert len(patterns) > 300
    texts = []
    for path in seed_paths():
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        texts += [text[i : i + 300] for i in range(0, len(text), 250)]
    ruled_out = 0
    for text in texts:
        folded = pieces(text)
        for rx in patterns:
            if not sieve(rx).may_match(folded):
                ruled_out += 1
                assert rx.search(text) is None, (rx.pattern[:200], text[:80])
    assert ruled_out > 1000  # the sieve does rule out


def test_sieves_answer_for_each_pattern_as_its_own_sieve():
    extract_facts("Low back pain radiating to the left leg. Completed 12 PT visits.")
    patterns = [re.compile(p, f) for p, f in runcache.used(regex_cache.PATTERNS)]
    together = Sieves(patterns)
    texts = [path.read_text(encoding="utf-8") for path in seed_paths()] + TEXTS
    for text in texts:
        folded = pieces(text)
        assert together.passing(folded) == [sieve(rx).may_match(folded) for rx in patterns]
    assert together.passing(None) == [True] * len(patterns)


def test_a_sieve_made_after_the_text_was_read_still_answers_for_it():
    text = "The zyxophone clinic saw her for quuxalgia of the left wrist on 2016-05-03."
    read = pieces(text)
    assert read is not None
    later = re.compile(r"(?<!\w)zyxophone\s+clinic", re.IGNORECASE)
    absent = re.compile(r"(?<!\w)florbanite\s+blocks?", re.IGNORECASE)
    assert sieve(later).may_match(read)
    assert not sieve(absent).may_match(read)
    assert Sieves([later, absent]).passing(read) == [True, False]


def test_the_needles_a_text_holds_are_every_needle_in_it(monkeypatch):
    monkeypatch.setattr(needles_module._Needles, "REBUILD", 3)  # rebuilt as they come
    words = [f"qz{i}x" for i in range(12)]
    text = " ".join(words[::2]) + " and more words"
    for n, word in enumerate(words):
        sieve(re.compile(rf"(?<!\w){word}(?!\w)"))
        found = needles_module._NEEDLES.held(text.lower())
        assert {w for w in words if w in found} == {w for w in words[: n + 1] if w in text}
    assert pieces(text).current() >= set(words[::2])


def test_an_alternative_another_implies_is_dropped():
    found = (("back",), ("low", "back pain"), ("lumbar",), ("lumbar", "pain"), ("lbp",))
    assert needles_module._minimal(found) == (("back",), ("lbp",), ("lumbar",))
    # kept: each holds where none of the others does
    assert needles_module._minimal((("ab", "cd"), ("abc",), ("cde",))) == (
        ("ab", "cd"),
        ("abc",),
        ("cde",),
    )


def test_an_empty_needle_is_in_every_text():
    needles_module._NEEDLES.add([""])
    assert "" in needles_module._NEEDLES.held("any text at all")


def test_searchable_keeps_the_rules_whose_needles_are_in_the_text():
    knee = re.compile(r"(?<!\w)knee\s+pain", re.I)
    hip = re.compile(r"(?<!\w)hip\s+pain", re.I)
    text = "The patient reports knee pain after the fall, worse on stairs and kneeling."
    assert needles_module.searchable([knee, hip, None], text) == [knee]
    assert needles_module.searchable([("knee", knee), ("hip", hip)], text) == [("knee", knee)]
