"""Active therapy under way now (findings/active_therapy.yaml), the adjunct criterion of
passive treatments: present, stated absent, and not said, in phrasings of our own."""

from __future__ import annotations

import pytest

from tests.conftest import predicate_answer as answer

ACU = "Acupuncture 6 visits lumbar"
MASSAGE = "Massage therapy x6"
TENS = "TENS unit 30-day trial"

CASES = [
    ("Acupuncture would be added to her ongoing physical therapy.", ACU, True),
    ("He is currently attending PT twice weekly for the shoulder.", MASSAGE, True),
    ("P: TENS trial; continue PT and HEP.", TENS, True),
    ("Physical therapy 3x/week is under way; visit 4 of 12 was today.", ACU, True),
    ("She keeps up a daily walking program and the stretching routine.", MASSAGE, True),
    ("Currently doing occupational therapy for the hand.", TENS, True),
    ("Not in therapy at present and no home exercises are being done.", ACU, False),
    ("He is not doing any PT right now and does no home exercise program.", MASSAGE, False),
    ("PT was completed in 2014.", ACU, None),
    ("She would like to try physical therapy again at some point.", MASSAGE, None),
    ("The guideline calls massage an adjunct to continuing exercise.", MASSAGE, None),
]


@pytest.mark.parametrize(("text", "request_title", "expected"), CASES)
def test_active_therapy_concurrent(text, request_title, expected):
    assert answer("active_therapy_concurrent", text, request_title) is expected
