"""An alternation searched with only the phrases that can match finds what the whole finds
(alternation.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.intake import alternation
from openimr.intake.alternation import Alternation
from openimr.intake.facts.extract import _compiled
from openimr.intake.lexicon import whole_words
from openimr.intake.needles import text_pieces
from tests.conftest import seed_paths

PHRASES = [
    r"knee\s+pain",
    r"pain",  # a shorter phrase after a longer one with the same start: order matters
    r"back\s+(?:ache|pain)",
    r"(?:low\s+)?back",
    r"sciatica",
    r"pain\s+in\s+the\s+knee",
]
FILLER = "The patient was seen again today for follow-up of the injury at work. "


@pytest.fixture(autouse=True)
def _sieves_at_once(monkeypatch):
    """The phrases' sieves from the first search on (not after a few)."""
    monkeypatch.setattr(alternation, "SEARCHES_BEFORE_SIEVES", 0)


def _alternation(phrases: list[str]) -> Alternation:
    return Alternation(phrases, whole_words, re.compile(whole_words(phrases), re.I))


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_it_finds_what_the_whole_alternation_finds_in_order():
    a = _alternation(PHRASES)
    for text in [
        FILLER + "Knee pain and low back pain; back ache, pain in the knee.",
        FILLER + "Sciatica only.",
        FILLER + "backpain, kneepain, knee  pain, PAIN.",
        FILLER + "nothing of the kind",
    ]:
        assert _spans(a.finditer(text, text_pieces(text))) == _spans(a.full.finditer(text))


class _Counted:
    """A compiled pattern that counts its searches."""

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.rx, self.pattern, self.flags, self.searches = rx, rx.pattern, rx.flags, 0

    def finditer(self, text: str, *bounds: int):
        self.searches += 1
        return self.rx.finditer(text, *bounds)


def test_only_the_phrases_that_can_match_are_searched():
    full = _Counted(re.compile(whole_words(PHRASES), re.I))
    a = Alternation(PHRASES, whole_words, full)  # type: ignore[arg-type]
    text = FILLER + "Sciatica, worse on the left."
    assert _spans(a.finditer(text, text_pieces(text))) == [(len(FILLER), len(FILLER) + 8)]
    assert full.searches == 0  # "sciatica" alone was searched, not the whole
    text = FILLER + "Knee pain, sciatica."
    assert _spans(a.finditer(text, text_pieces(text))) == _spans(full.rx.finditer(text))
    assert full.searches == 0  # three phrases of six
    assert _spans(a.finditer("knee pain", text_pieces("knee pain"))) == [(0, 9)]
    assert full.searches == 1  # a short text is searched whole


def test_the_first_searches_are_of_the_whole(monkeypatch):
    monkeypatch.setattr(alternation, "SEARCHES_BEFORE_SIEVES", 2)
    full = _Counted(re.compile(whole_words(PHRASES), re.I))
    a = Alternation(PHRASES, whole_words, full)  # type: ignore[arg-type]
    text = FILLER + "Sciatica, worse on the left."
    for searches in (1, 2, 2, 2):
        assert _spans(a.finditer(text, text_pieces(text))) == [(len(FILLER), len(FILLER) + 8)]
        assert full.searches == searches


def test_a_pattern_that_refers_to_its_groups_is_searched_whole():
    full = _Counted(re.compile(whole_words([r"(a)\1b", r"cd"]), re.I))
    a = Alternation([r"(a)\1b", r"cd"], whole_words, full)  # type: ignore[arg-type]
    text = FILLER + "aab cd"
    assert _spans(a.finditer(text, text_pieces(text))) == _spans(full.rx.finditer(text))
    assert full.searches == 1


@given(
    st.lists(
        st.sampled_from(["knee", "pain", "back", "low", "ache", "in", "the", "sciatica", ",", "."]),
        max_size=30,
    )
)
def test_any_text_gets_the_same_matches(words):
    a = _alternation(PHRASES)
    text = FILLER + " ".join(words)
    assert _spans(a.finditer(text, text_pieces(text))) == _spans(a.full.finditer(text))


def test_every_simple_family_keeps_its_matches_on_the_seed_letters():
    texts = [path.read_text(encoding="utf-8") for path in seed_paths()]
    texts += [text[i : i + 400] for text in texts for i in range(0, len(text), 400)]
    for family, targets, _ in _compiled().simple:
        for value, a in targets:
            for text in texts:
                got = _spans(a.finditer(text, text_pieces(text)))
                assert got == _spans(a.full.finditer(text)), (family.kind, value)


def _places(phrases: list[str]) -> str:
    return r"(?=\w)(?<!\w)(?=" + "|".join(f"(?:{p})" for p in phrases) + ")"


def test_places_found_with_the_needles_of_the_phrases_themselves():
    """A lookahead has no needles of its own: its phrases' own patterns give them."""
    full = _Counted(re.compile(_places(PHRASES), re.I))
    located = Alternation(
        PHRASES,
        _places,
        full,  # type: ignore[arg-type]
        needles_of=lambda ps: "|".join(f"(?:{p})" for p in ps),
    )
    for text in [
        FILLER + "Knee pain and low back pain; back ache, pain in the knee.",
        FILLER + "Sciatica only, then knee pain.",
        FILLER + "nothing of the kind",
    ]:
        found = [m.start() for m in located.finditer(text, text_pieces(text))]
        assert found == [m.start() for m in full.rx.finditer(text)]
    assert full.searches == 0  # never the whole: the sieves kept only some phrases


def test_a_part_of_the_text_is_searched_as_the_whole_searches_it():
    a = _alternation(PHRASES)
    text = FILLER + "Knee pain and low back pain; back ache, pain in the knee."
    for lo, hi in [(len(FILLER), len(text)), (len(FILLER) + 5, len(FILLER) + 30), (0, 20)]:
        found = _spans(a.finditer(text, text_pieces(text[lo:hi]), lo, hi))
        assert found == _spans(a.full.finditer(text, lo, hi)), (lo, hi)


def test_the_alternations_of_a_few_phrases_are_not_kept_between_runs():
    """A batch meets many sets of phrases: their alternations stay in this run's memory
    (the last few), not in the run cache, which keeps for its file every value it gives."""
    from openimr import runcache
    from openimr.intake import grouped

    words = [
        "knee",
        "back",
        "neck",
        "hip",
        "ankle",
        "wrist",
        "elbow",
        "jaw",
        "chest",
        "groin",
        "heel",
        "thumb",
    ]
    a = _alternation([f"{w}\\s+pain" for w in words])
    before = set(runcache.used(grouped.MEMO))
    for left_out in range(4):  # four sets of eleven phrases (grouped: eight or more)
        text = FILLER + ", ".join(f"{w} pain" for k, w in enumerate(words) if k != left_out)
        assert _spans(a.finditer(text, text_pieces(text))) == _spans(a.full.finditer(text))
    assert len(a._some) == 4  # each compiled once, kept here
    assert set(runcache.used(grouped.MEMO)) == before
