"""PyRuSH's walks replayed (intake/facts/rush.py ``Walks``) and its sentence starts read
without its logging (``split_gaps``): the same as PyRuSH's own, on texts written for it."""

from __future__ import annotations

from functools import cache

import pytest

from openimr.intake.facts import nlp, rush

TEXTS = [
    "Pain is 6/10. She was seen by Dr. Lee. Pain is 6/10.",
    "MRI of the lumbar spine.\n\nImpression: disc bulge at L4-5.\n\nPlan: PT x 6.",
    "Assessment:\n1. Low back pain\n2. Radiculopathy\n\nPlan:\n- Continue NSAIDs.",
    "He returned to work.   He is not working.\n\n\nHe is working on light duty",
    "Pain. He was seen. Pain",  # the end of one text is a middle of the next
    "He was seen. Pain and more was noted today. Pain",
    "Norco 10/325 mg q6h prn; Flexeril 10 mg qhs.Tramadol ER 100 mg daily.",
    "Exam: SLR negative bilaterally. DTRs 2+ and symmetric.Sensation intact.",
    "  (A) 12 visits. (B) Neck pain.  ",
    "Straight leg raise was positive on the right at 45 degrees",
]


@cache
def _plain():
    from PyRuSH.RuSH import RuSH

    component = nlp.pipeline().get_pipe("medspacy_pyrush")
    component.rush.fastner.process.build()
    return component, RuSH(rules=component.rules_path, max_repeat=component.rush.fastner.max_repeat)


def _matches(rush_, text: str) -> dict:
    found: dict = {"stbegin": [], "stend": []}
    rush_.fastner.process(text, 0, found)
    return {k: [(s.begin, s.end, s.rule_id, s.score, s.text) for s in v] for k, v in found.items()}


class _Counting(rush.Walks):
    def __init__(self) -> None:
        super().__init__()
        self.taken = 0

    def take(self, f, text, i, matches) -> None:
        self.taken += 1
        super().take(f, text, i, matches)


@pytest.fixture
def fresh_walks():
    component, _ = _plain()
    prefiltered = component.rush.fastner.process
    saved, prefiltered.walks = prefiltered.walks, _Counting()
    try:
        yield prefiltered.walks
    finally:
        prefiltered.walks = saved


def test_replayed_walks_give_pyrush_own_matches(fresh_walks) -> None:
    component, plain = _plain()
    for text in TEXTS + TEXTS[::-1]:
        assert _matches(component.rush, text) == _matches(plain, text), text
    assert fresh_walks.nodes > 0


def test_a_text_seen_before_is_replayed_not_walked(fresh_walks) -> None:
    component, plain = _plain()
    for text in TEXTS:
        _matches(component.rush, text)
    taken = fresh_walks.taken
    assert taken > 0
    for text in TEXTS:
        assert _matches(component.rush, text) == _matches(plain, text), text
    assert fresh_walks.taken == taken


def test_a_walk_that_read_the_end_is_replayed_only_at_the_same_end(fresh_walks) -> None:
    component, plain = _plain()
    ending = "Pain"
    assert _matches(component.rush, "Seen. " + ending) == _matches(plain, "Seen. " + ending)
    longer = "Seen. " + ending + "ful knee. Better."
    assert _matches(component.rush, longer) == _matches(plain, longer)


def test_sentence_starts_are_the_component_own() -> None:
    component, _ = _plain()
    pipeline = nlp.pipeline()
    for text in [*TEXTS, "", " ", "\n\n", "word", "a\n\nb"]:
        doc = pipeline.tokenizer(nlp.nlp_text(text))
        if not len(doc):
            continue
        (expected,) = component.predict([doc])
        idx = [t.idx for t in doc]
        space = [t.is_space for t in doc]
        got = rush.split_gaps(idx, space, component.rush.segToSentenceSpans(doc.text))
        assert got == list(expected), text
