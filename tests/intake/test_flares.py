"""Acute flares and acute injuries, and a stable course that denies them (the flare_up family
and intake/facts/flares.py), in phrasings of our own."""

from __future__ import annotations

import pytest

from openimr.intake.facts.extract import extract_facts
from tests.conftest import predicate_answer as answer

RELAXANT = "Cyclobenzaprine 10 mg #20"
BRACE = "Lumbar support brace"

CASES = [
    # flares, abbreviations and dictation
    ("Pt reports an acute flare of neck pain since Monday.", RELAXANT, True),
    ("Acute exac of chronic LBP, spasm noted.", RELAXANT, True),
    ("her back locked up while gardening and the pain is far worse than usual", RELAXANT, True),
    ("Pain 9/10 from baseline 3/10 after shoveling.", RELAXANT, True),
    ("He re-injured his knee at work on 2/2/2015.", RELAXANT, True),
    ("There was a sudden increase in her back pain after the drive.", RELAXANT, True),
    # acute onset, dated to the last days
    ("He strained his lower back two days ago lifting a crate.", BRACE, True),
    ("Neck pain onset 3 days ago, no prior history.", BRACE, True),
    ("Dx: acute lumbosacral sprain.", BRACE, True),
    ("Seen 9 days out from a fall off a ladder.", BRACE, True),
    ("LBP began on Saturday while moving furniture.", BRACE, True),
    # weeks past the acute phase, or a course of treatment begun: no acute onset
    ("He strained his back 10 weeks ago.", BRACE, None),
    ("Chiropractic care started 4 days ago.", BRACE, None),
    # denied: a stable course, or a flare negated
    ("Her low back pain is unchanged and stable compared with last visit.", BRACE, False),
    ("Chronic neck pain, no recent flare-ups.", RELAXANT, False),
    ("The back ache has stayed the same for two years; nothing new.", RELAXANT, False),
    # not documented: long ago or over, a guideline's words, silence
    ("He had a flare-up of back pain in 2009 that settled with rest.", RELAXANT, None),
    ("She recalls an acute back strain several years ago.", BRACE, None),
    ("Relaxants are recommended as a second-line option for acute exacerbations.", RELAXANT, None),
    ("Lumbar supports offer no lasting benefit beyond the acute phase.", BRACE, None),
    ("Request: cyclobenzaprine.", RELAXANT, None),
]


@pytest.mark.parametrize(("text", "asked", "expected"), CASES)
def test_acute_exacerbation_and_phase(text, asked, expected):
    predicate = "acute_phase" if asked == BRACE else "acute_exacerbation"
    assert answer(predicate, text, asked) is expected


def test_stable_course_denial_quotes_its_words():
    text = "Pain is stable at 5/10."
    [fact] = [f for f in extract_facts(text) if f.kind == "flare_up"]
    assert fact.assertion.value == "negated"
    assert all(text[e.start : e.end] == e.text for e in fact.evidence)


def test_stable_course_is_no_denial_beside_a_current_flare():
    text = "Chronic pain was stable until last week, when it flared after a fall."
    facts = [f for f in extract_facts(text) if f.kind == "flare_up"]
    assert facts and all(f.assertion.value != "negated" for f in facts)
