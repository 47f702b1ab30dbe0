"""Multiple NSAIDs (two different ones, or one with aspirin) as a GI risk factor of the PPI
rule, read from the medication list, in phrasings of our own."""

from __future__ import annotations

import pytest

from tests.conftest import predicate_answer as answer

PPI = "Pantoprazole 40 mg #30"

CASES = [
    ("Current medications: diclofenac 75 mg twice daily and ibuprofen 600 mg as needed.", True),
    ("He takes etodolac 400 mg daily along with baby aspirin 81 mg.", True),
    ("Meds: Mobic 15 mg qd, Motrin OTC prn.", True),
    ("Celecoxib 200 mg daily. No aspirin, no other anti-inflammatories.", False),
    ("Her only medication is naproxen 500 mg twice a day; she takes no aspirin.", False),
    ("Medications were not listed in the note.", None),
    ("NSAIDs can raise the risk of bleeding, especially with aspirin.", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_multiple_nsaids(text, expected):
    assert answer("high_dose_or_multiple_nsaids", text, PPI) is expected
