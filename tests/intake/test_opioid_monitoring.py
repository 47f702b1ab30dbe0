"""Opioid monitoring done or not done, opioid use now, daily morphine equivalents and
multiple NSAIDs (facts/opioid_monitoring.py, opioid_doses.py, medication_use.py and the
facts.yaml families), in phrasings of our own."""

from __future__ import annotations

import pytest

from openimr.intake.facts.extract import extract_facts
from tests.conftest import predicate_answer as answer

NORCO = "Norco 10/325 #90"
UDS = "Urine drug screen"
PPI = "Omeprazole 20 mg #30"
TENS = "TENS unit 30-day trial"

CASES = [
    # CURES / the state database
    ("cures_checked", NORCO, "PDMP queried 3/3/16, one prescriber only.", True),
    ("cures_checked", NORCO, "we ran cures this morning and it was clean", True),
    ("cures_checked", NORCO, "She was looked up in the state controlled substance database.", True),
    ("cures_checked", NORCO, "CURES report has not yet been reviewed.", False),
    ("cures_checked", NORCO, "No one has checked the prescription monitoring database.", False),
    ("cures_checked", NORCO, "Guidelines call for a CURES report before each refill.", None),
    ("cures_checked", NORCO, "Req: CURES report.", None),
    # drug screens and agreements, done or not
    ("opioid_aberrant_behaviour_monitored", NORCO, "Urine tox 1/2016 appropriate.", True),
    ("opioid_aberrant_behaviour_monitored", NORCO, "Narcotic contract signed at intake.", True),
    (
        "opioid_aberrant_behaviour_monitored",
        NORCO,
        "No drug testing, opioid contract or PDMP check appears in the file.",
        False,
    ),
    ("opioid_aberrant_behaviour_monitored", NORCO, "UDS: not done. Agreement: none.", False),
    ("opioid_aberrant_behaviour_monitored", UDS, "Requesting a UDS; he takes tramadol.", None),
    # side effects asked about, or not
    ("opioid_adverse_effects_assessed", NORCO, "Denies itching or dizziness on Norco.", True),
    ("opioid_adverse_effects_assessed", NORCO, "AE: mild nausea, resolved.", True),
    ("opioid_adverse_effects_assessed", NORCO, "Adverse effects were not addressed.", False),
    ("opioid_adverse_effects_assessed", NORCO, "the doctor never asked about side effects", False),
    ("opioid_adverse_effects_assessed", NORCO, "Side effects should be reviewed monthly.", None),
    # opioid use now
    ("opioid_therapy_ongoing", UDS, "He was weaned off Percocet last spring.", False),
    ("opioid_therapy_ongoing", UDS, "She declines narcotic medications.", False),
    ("opioid_therapy_ongoing", UDS, "Norco was discontinued; now tramadol 50 mg BID.", True),
    ("opioid_therapy_ongoing", UDS, "Allergic to codeine (hives).", None),
    # a reason to stop: results read in their own clause
    (
        "opioid_discontinuation_reason",
        NORCO,
        "UDS in May was appropriate; the PDMP shows refills from two other doctors.",
        True,
    ),
    ("opioid_discontinuation_reason", NORCO, "Her urine screens have been clean.", False),
    ("opioid_discontinuation_reason", NORCO, "On Norco he is too groggy to drive.", True),
    (
        "opioid_discontinuation_reason",
        NORCO,
        "Even with the higher dose her functional status has declined.",
        True,
    ),
    ("opioid_discontinuation_reason", NORCO, "His pain has completely resolved.", True),
    ("opioid_discontinuation_reason", NORCO, "Pain 0/10 with Norco, 6/10 without.", None),
    ("opioid_discontinuation_reason", NORCO, "He plans to return to the gym next month.", None),
    # multiple NSAIDs
    ("high_dose_or_multiple_nsaids", PPI, "Mobic 15 mg daily and Advil as needed.", True),
    ("high_dose_or_multiple_nsaids", PPI, "Celebrex 200 mg daily is his only NSAID.", False),
    (
        "high_dose_or_multiple_nsaids",
        PPI,
        "We changed him from naproxen to diclofenac 75 mg BID as the naproxen hurt his stomach.",
        False,
    ),
    # a device beside a program under way
    ("functional_restoration_program", TENS, "He attends work hardening 3x/week.", True),
    ("functional_restoration_program", TENS, "Enrolled in the HELP program, week two.", True),
    ("functional_restoration_program", TENS, "Not in any therapy now; TENS alone.", False),
    ("functional_restoration_program", TENS, "He finished work conditioning 3x/week.", None),
]


@pytest.mark.parametrize(("predicate", "asked", "text", "expected"), CASES)
def test_monitoring_use_and_programs(predicate, asked, text, expected):
    assert answer(predicate, text, asked) is expected


DOSES = [
    ("Oxycodone 5 mg every four hours.", 45.0),
    ("MS Contin 15 q12h.", 30.0),
    ("he uses dilaudid two milligrams three times a day", 24.0),
    ("Norco ten three twenty five, two tablets twice a day.", 40.0),
    ("takes one norco 10/325 in the morning and two at night", 30.0),
    ("Oxycodone was lowered from 15 mg QID to 10 mg TID.", 45.0),
    ("The provider lists the total MED as 75 mg a day.", 75.0),
    ("Norco 2 tabs BID.", None),
    ("Percocet 2 q6h prn.", None),
    ("His MED was as high as 200 mg last year.", None),
]


@pytest.mark.parametrize(("text", "expected"), DOSES)
def test_daily_morphine_equivalent(text, expected):
    assert answer("morphine_equivalent_mg_per_day", text, NORCO) == expected


def test_completed_dose_quotes_exact_spans():
    text = "He takes oxycodone fifteen milligrams every six hours."
    [med] = [f for f in extract_facts(text) if f.kind == "medication"]
    assert med.value["med_mg"] == 90.0
    assert len(med.evidence) > 1
    assert all(text[e.start : e.end] == e.text for e in med.evidence)


def test_gap_replaces_the_side_effect_mention():
    text = "Side effects: not reviewed at this visit."
    facts = extract_facts(text)
    assert [f.kind for f in facts if f.kind in {"adverse_effects", "opioid_monitoring_gap"}] == [
        "opioid_monitoring_gap"
    ]
