# ruff: noqa: E501  (the phrasings below are kept one to a line, as a table)
"""The patient's current diagnoses (predicate `diagnoses`), read from lists and from the
narrative (intake/facts/diagnoses.py, findings/diagnoses.yaml), in phrasings of our own."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.facts.extract import extract_facts
from openimr.intake.requests import parse_request
from openimr.model import Case
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack

ON = dt.date(2016, 6, 1)


def diagnoses(text: str, request: str = "Physical therapy 8 visits"):
    case = Case(
        case_id="t", decision_date=ON, clinical_summary=text, requests=[parse_request(request)]
    )
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], ON).get("diagnoses")
    return None if found is None else sorted(found.value)


LISTS = [
    # assessment sections: numbered, with full stops or semicolons between the items
    (
        "Assessment: 1) Cervicalgia 2) Myofascial pain syndrome, trapezius 3) Insomnia.",
        ["insomnia", "myofascial_pain_syndrome", "neck_pain"],
    ),
    (
        "IMPRESSION: Lumbar radiculopathy; lumbago. PLAN: Continue HEP.",
        ["low_back_pain", "neuralgia_neuritis_radiculitis"],
    ),
    (
        "A: (1) right knee OA (2) chondromalacia patellae, left. P: Synvisc.",
        ["chondromalacia_patellofemoral", "knee_osteoarthritis"],
    ),
    (
        "Diagnoses:\n1. Plantar fasciitis, right foot.\n2. Metatarsalgia.\n\nHistory: fell off a ladder.",
        ["metatarsalgia", "plantar_fasciitis"],
    ),
    ("Working diagnosis - lateral epicondylitis of the right elbow.", ["tendinitis"]),
    # dictated heading without a colon
    (
        "impression right shoulder impingement and subacromial bursitis, follow up in a month",
        ["bursitis", "shoulder_impingement"],
    ),
    # phrases that open a list
    (
        "Her treating physician diagnosed her with cervical sprain and post-herpetic neuralgia.",
        ["neck_pain", "post_herpetic_neuralgia"],
    ),
    (
        "The listed diagnoses were cervical dystonia and major depressive disorder.",
        ["cervical_dystonia", "depression"],
    ),
    ("The patient was diagnosed in 2013 with multiple sclerosis.", ["multiple_sclerosis"]),
    (
        "Diagnoses have included lumbosacral sprain, left hip bursitis and insomnia.",
        ["bursitis", "insomnia", "low_back_pain"],
    ),
    (
        "The agreed medical examiner's impression was cervicalgia with occipital neuralgia.",
        ["neck_pain", "neuralgia_neuritis_radiculitis"],
    ),
    (
        "Clinical impressions:\n- Metatarsalgia, left\n- Chronic neck pain",
        ["metatarsalgia", "neck_pain"],
    ),
    # the body part in a piece of its own, after the condition
    (
        "Dx: degenerative joint disease, left knee; tendinitis, rotator cuff.",
        ["knee_osteoarthritis", "rotator_cuff_tendinitis"],
    ),
    (
        "Impression: 1. Sprain/strain, cervical. 2. Osteoarthritis, right hip.",
        ["neck_pain", "osteoarthritis"],
    ),
    ("The diagnosis was osteoarthritis of her right knee.", ["knee_osteoarthritis"]),
    ("Imp: L medial epicondylitis, anxiety.", ["tendinitis"]),
    (
        "Diagnoses according to the primary treating physician: lumbago, major depression.",
        ["depression", "low_back_pain"],
    ),
    (
        "Her diagnoses at this time are cervicalgia and occipital neuralgia.",
        ["neck_pain", "neuralgia_neuritis_radiculitis"],
    ),
    # dictated numbers, terse abbreviations
    (
        "impression number one cervical radiculopathy number two insomnia number three hypertension",
        ["insomnia", "neuralgia_neuritis_radiculitis"],
    ),
    (
        "Dx: L/S strain w/ radic R, DPN.",
        ["diabetic_neuropathy", "low_back_pain", "neuralgia_neuritis_radiculitis"],
    ),
    ("Dx: DJD L knee; RTC tendinosis R.", ["knee_osteoarthritis", "rotator_cuff_tendinitis"]),
    # what the patient is treated for: its named conditions and complaints only
    (
        "The applicant is being followed for neck pain and occipital neuralgia.",
        ["neck_pain", "neuralgia_neuritis_radiculitis"],
    ),
    ("He has been managed conservatively for chronic lower back pain.", ["low_back_pain"]),
    ("She was treated for eight weeks with chiropractic care.", None),
    (
        "This is a 47-year-old warehouse worker with chronic low back pain and sciatica.",
        ["low_back_pain", "neuralgia_neuritis_radiculitis"],
    ),
    ("She is a 29-year-old woman with a history of asthma.", None),
    ("He is currently being seen for follow-up of his medications.", None),
    (
        "The impression is as follows: occipital neuralgia and cervical strain.",
        ["neck_pain", "neuralgia_neuritis_radiculitis"],
    ),
    (
        "Assessment: cervical sprain is slowly improving. Plan: continue home exercise.",
        ["neck_pain"],
    ),
    # a list with none of the vocabulary: none of its values
    ("Dx: hypertension, hyperlipidemia.", []),
    ("Assessment: left ankle sprain, improving.", []),
    # post-operative states listed among the diagnoses
    (
        "Dx: status post left carpal tunnel release 2/2016; left trigger thumb.",
        ["after_carpal_tunnel_release"],
    ),
    ("Diagnoses: s/p R TKA 1/5/16. HTN.", ["after_total_knee_arthroplasty"]),
    ("Assessment: post-op L ACL reconstruction, doing well.", ["after_acl_reconstruction"]),
    (
        "Diagnosis: status post repair of the torn supraspinatus, right shoulder.",
        ["after_rotator_cuff_repair"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), LISTS)
def test_lists(text, expected):
    assert diagnoses(text) == expected


NARRATIVE = [
    (
        "Six weeks after the fracture she developed reflex sympathetic dystrophy of the left foot.",
        ["crps"],
    ),
    (
        "He is a paraplegic after a fall from a roof and has marked leg spasticity.",
        ["spinal_cord_injury_spasticity"],
    ),
    ("She has long-standing diabetic polyneuropathy of both feet.", ["diabetic_neuropathy"]),
    (
        "Nerve conduction studies were read as moderate bilateral carpal tunnel syndrome.",
        ["carpal_tunnel_syndrome"],
    ),
    ("Since the amputation he has had phantom limb pain most nights.", ["phantom_limb_pain"]),
    (
        "His family doctor told him he has wear and tear arthritis in his left knee.",
        ["knee_osteoarthritis"],
    ),
    (
        "A pinched nerve in her lower back sends pain down the right leg.",
        ["neuralgia_neuritis_radiculitis"],
    ),
    (
        "The MRI findings are compatible with failed back surgery syndrome.",
        ["failed_back_surgery_syndrome"],
    ),
    (
        "She is undergoing treatment for lumbar spine sprain and a left wrist contusion.",
        ["low_back_pain"],
    ),
    ("He was being treated for a cervical spine strain after the crash.", ["neck_pain"]),
    ("The hand surgeon thinks this is carpal tunnel.", ["carpal_tunnel_syndrome"]),
]


@pytest.mark.parametrize(("text", "expected"), NARRATIVE)
def test_narrative_conditions(text, expected):
    assert diagnoses(text) == expected


NOT_CURRENT = [
    # denied
    ("Electrodiagnostic testing showed no evidence of carpal tunnel syndrome.", None),
    ("Nerve studies were negative for CRPS.", None),
    ("Assessment: lumbar strain without radiculopathy.", ["low_back_pain"]),
    ("Dx: cervical strain, CTS ruled out by EMG.", ["neck_pain"]),
    # in question
    ("A: r/o complex regional pain syndrome.", None),
    ("Impression: possible early CRPS.", None),
    ("A: poss. RSD R hand.", None),
    ("NCS neg for CTS.", None),
    ("She is being evaluated for suspected multiple sclerosis.", None),
    ("His neurologist suspects multiple sclerosis; an MRI of the brain is pending.", None),
    ("The records do not establish a diagnosis of complex regional pain syndrome.", None),
    ("She has never been diagnosed with diabetic neuropathy.", None),
    # a relative's
    ("Her father had multiple sclerosis.", None),
    ("Family history of depression in her mother.", None),
    # resolved, years ago
    ("Dx: left plantar fasciitis. Right knee bursitis in 2010, resolved.", ["plantar_fasciitis"]),
    ("Her CRPS has since resolved.", None),
    ("He had been diagnosed with lateral epicondylitis, which resolved with a brace.", None),
    # the reason for a past operation
    (
        "In 2014 he had a total hip replacement for degenerative joint disease.",
        ["after_total_hip_arthroplasty"],
    ),
    (
        "She underwent carpal tunnel release for carpal tunnel syndrome in 2012.",
        ["after_carpal_tunnel_release"],
    ),
    # a guideline's example, not the patient's
    ("The MTUS supports TENS for conditions such as phantom limb pain and CRPS.", None),
    ("TENS is recommended for spasticity in spinal cord injury per the guideline.", None),
    ("A one-month trial may be considered for neuropathic pain and CRPS II.", None),
]


@pytest.mark.parametrize(("text", "expected"), NOT_CURRENT)
def test_not_current(text, expected):
    assert diagnoses(text) == expected


def test_a_planned_operation_leaves_its_reason_a_diagnosis():
    text = "The surgeon requested a right carpal tunnel release for carpal tunnel syndrome."
    assert diagnoses(text) == ["carpal_tunnel_syndrome"]


def test_a_study_report_under_impression_is_no_diagnosis_list():
    assert (
        diagnoses("Impression: CT of the cervical spine demonstrates mild foraminal narrowing.")
        is None
    )


def test_a_condition_that_is_the_reason_for_a_considered_treatment_is_current():
    assert diagnoses("Plan: we may consider a TENS unit for his phantom limb pain.") == [
        "phantom_limb_pain"
    ]


def test_no_diagnosis_stated_is_not_documented():
    assert diagnoses("The functional assessment has been completed by the therapist.") is None
    assert diagnoses("Assessment included grip strength and range of motion.") is None
    assert diagnoses("Diagnosis remains uncertain pending the MRI.") is None
    assert diagnoses("She walks two miles a day and drives herself to appointments.") is None
    assert diagnoses("S: pain 6/10. O: antalgic gait. P: refill meds.") is None


def test_the_more_specific_value_wins():
    # "osteoarthritis" and "tendinitis" lie inside the knee and rotator cuff names
    assert diagnoses("Dx: osteoarthritis of the right knee.") == ["knee_osteoarthritis"]
    assert diagnoses("Dx: rotator cuff tendinitis.") == ["rotator_cuff_tendinitis"]
    assert diagnoses("Dx: osteoarthritis of the thumb CMC joint.") == ["osteoarthritis"]


def test_list_items_have_exact_evidence_and_regions():
    text = "Assessment: 1. L4-5 radiculopathy. 2. Right shoulder impingement."
    facts = [f for f in extract_facts(text) if f.kind == "diagnosis"]
    assert [f.value["text"] for f in facts] == ["L4-5 radiculopathy", "Right shoulder impingement"]
    for fact in facts:
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text
    assert facts[0].value["regions"] == ["lumbar"]
    assert facts[1].value["regions"] == ["shoulder"]


POST_OPERATIVE_NARRATIVE = [
    ("He is s/p L CTR 9/2015 and has had no numbness since.", ["after_carpal_tunnel_release"]),
    (
        "She is status post a right THA in June and walks with a cane.",
        ["after_total_hip_arthroplasty"],
    ),
    ("If he is status post ACL reconstruction by then, he may start running.", None),
    ("Her husband is s/p TKR.", None),
]


@pytest.mark.parametrize(("text", "expected"), POST_OPERATIVE_NARRATIVE)
def test_post_operative_states_in_the_narrative(text, expected):
    assert diagnoses(text) == expected


def test_a_post_operative_item_names_its_procedure():
    facts = [f for f in extract_facts("Dx: s/p R CTR 4/2/15.") if f.kind == "diagnosis"]
    assert [f.value["procedure"] for f in facts] == ["carpal tunnel release"]


def test_a_narrative_paragraph_ends_the_list():
    text = "A: cervicalgia. She is working full duty and her knee arthritis is better."
    facts = [f for f in extract_facts(text) if f.kind == "diagnosis"]
    # the narrative sentence is no list item; its named condition is a mention of its own
    assert [f.value["text"] for f in facts] == ["cervicalgia", "knee arthritis"]


def test_a_guideline_sentence_naming_a_treatment_for_a_condition_is_no_diagnosis():
    text = "The guidelines make night splinting first-line treatment for carpal tunnel syndrome."
    assert diagnoses(text, "Wrist splint") in (None, [])


def test_a_reviews_reasons_deny_no_diagnosis():
    text = (
        "A: bilateral hand paresthesias, r/o CTS. P: night splints. UR 5/2/2014: splints "
        "non-certified, 'no objective evidence of CTS.'"
    )
    case = Case(
        case_id="t",
        decision_date=ON,
        clinical_summary=text,
        requests=[parse_request("Wrist splints")],
    )
    facts = intake_case(case).facts
    denied = [f for f in facts if f.kind == "diagnosis" and f.assertion.value == "negated"]
    assert not [f for f in denied if "CTS" in f.value.text]
    assert diagnoses(text, "Wrist splints") in (None, [])
