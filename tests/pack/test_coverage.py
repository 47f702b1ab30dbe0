"""The coverage list of issue 3: every entry finds its rule (or the explicit catch-all).

Each entry is a request as intake would read it, on a date when the 2009-era MTUS was in
force; the rule selected must belong to the expected topic, and where the entry names a
particular piece (an exception, a limit, a criterion) the rule must have it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from openimr.model import Request
from openimr.pack.loader import load_pack
from openimr.review.select import select_rule

PACK = load_pack()
DAY = dt.date(2014, 6, 1)

# (entry, request, facts, topic, criterion/limit/exception ids the rule must have)
COVERAGE: list[tuple[str, dict[str, Any], dict[str, Any], str, list[str]]] = [
    # physical medicine
    ("acupuncture", {"service": "acupuncture"}, {}, "acupuncture", ["trial_treatments"]),
    (
        "acupuncture extension on functional improvement",
        {"service": "acupuncture", "phase": "continuation"},
        {},
        "acupuncture",
        ["extension_on_functional_improvement"],
    ),
    ("massage", {"service": "massage"}, {}, "massage", ["visits"]),
    (
        "myofascial release",
        {"service": "massage", "text": "Myofascial release x6"},
        {},
        "massage",
        [],
    ),
    (
        "physical therapy, diagnosis-specific limits",
        {"service": "physical_therapy"},
        {},
        "physical_therapy",
        ["course_myalgia", "course_neuralgia", "course_crps", "home_program"],
    ),
    ("occupational therapy", {"service": "occupational_therapy"}, {}, "physical_therapy", []),
    (
        "chiropractic trial and total",
        {"service": "chiropractic", "body_regions": ["lumbar"]},
        {},
        "chiropractic",
        ["trial_visits", "total_visits"],
    ),
    (
        "chiropractic regions not recommended",
        {"service": "chiropractic", "body_regions": ["knee"]},
        {},
        "chiropractic",
        ["recommendation"],
    ),
    (
        "chiropractic maintenance care",
        {"service": "chiropractic", "phase": "maintenance"},
        {},
        "chiropractic",
        [],
    ),
    (
        "chiropractic flare-ups",
        {"service": "chiropractic", "phase": "acute_flare"},
        {},
        "chiropractic",
        ["flare_visits"],
    ),
    ("aquatic therapy", {"service": "aquatic_therapy"}, {}, "aquatic_therapy", []),
    ("TENS", {"service": "tens"}, {}, "tens", []),
    ("H-wave", {"service": "h_wave"}, {}, "h_wave", []),
    (
        "interferential stimulation",
        {"service": "interferential_stimulation"},
        {},
        "interferential_stimulation",
        [],
    ),
    (
        "work conditioning / hardening",
        {"service": "work_conditioning"},
        {},
        "work_conditioning",
        [],
    ),
    (
        "functional restoration programs",
        {"service": "functional_restoration_program"},
        {},
        "functional_restoration_program",
        ["initial_two_weeks", "total_twenty_days"],
    ),
    (
        "postsurgical physical medicine",
        {"service": "physical_therapy", "phase": "post_surgical", "body_regions": ["lumbar"]},
        {"diagnoses": ["after_lumbar_fusion"]},
        "postsurgical_physical_medicine",
        ["initial_course", "general_course", "treatment_period"],
    ),
    # injections and procedures
    (
        "epidural steroid injections",
        {"service": "epidural_steroid_injection"},
        {},
        "epidural_steroid_injection",
        ["radiculopathy_on_exam", "corroborated"],
    ),
    ("facet injections", {"service": "facet_injection"}, {}, "facet_procedures", []),
    ("medial branch blocks", {"service": "medial_branch_block"}, {}, "facet_procedures", []),
    (
        "radiofrequency neurotomy",
        {"service": "radiofrequency_neurotomy"},
        {},
        "facet_procedures",
        [],
    ),
    (
        "trigger point injections",
        {"service": "trigger_point_injection"},
        {},
        "trigger_point_injection",
        [],
    ),
    (
        "sacroiliac joint injections",
        {"service": "sacroiliac_joint_injection"},
        {},
        "sacroiliac_joint_injection",
        [],
    ),
    (
        "knee injections",
        {"service": "joint_injection", "body_regions": ["knee"]},
        {},
        "joint_injection",
        [],
    ),
    (
        "shoulder injections",
        {"service": "joint_injection", "body_regions": ["shoulder"]},
        {},
        "joint_injection",
        [],
    ),
    (
        "hyaluronic acid",
        {"service": "hyaluronic_acid_injection", "body_regions": ["knee"]},
        {},
        "hyaluronic_acid_injection",
        [],
    ),
    # diagnostics and referrals
    ("MRI lumbar", {"service": "mri", "body_regions": ["lumbar"]}, {}, "mri", []),
    ("MRI cervical", {"service": "mri", "body_regions": ["cervical"]}, {}, "mri", []),
    ("MRI shoulder", {"service": "mri", "body_regions": ["shoulder"]}, {}, "mri", []),
    ("MRI knee", {"service": "mri", "body_regions": ["knee"]}, {}, "mri", []),
    ("EMG/NCV upper", {"service": "emg_ncv", "body_regions": ["cervical"]}, {}, "emg_ncv", []),
    ("EMG/NCV lower", {"service": "emg_ncv", "body_regions": ["lumbar"]}, {}, "emg_ncv", []),
    (
        "functional capacity evaluation",
        {"service": "functional_capacity_evaluation"},
        {},
        "functional_capacity_evaluation",
        [],
    ),
    (
        "surgical consultation, low back",
        {"service": "surgical_consultation", "body_regions": ["lumbar"]},
        {},
        "surgical_consultation",
        [],
    ),
    (
        "surgical consultation, neck",
        {"service": "surgical_consultation", "body_regions": ["cervical"]},
        {},
        "surgical_consultation",
        [],
    ),
    (
        "surgical consultation, shoulder",
        {"service": "surgical_consultation", "body_regions": ["shoulder"]},
        {},
        "surgical_consultation",
        [],
    ),
    (
        "surgical consultation, knee",
        {"service": "surgical_consultation", "body_regions": ["knee"]},
        {},
        "surgical_consultation",
        [],
    ),
    ("specialist referral", {"service": "specialist_referral"}, {}, "specialist_referral", []),
    (
        "psychological evaluation",
        {"service": "psychological_evaluation"},
        {},
        "psychological_services",
        [],
    ),
    (
        "cognitive behavioural therapy",
        {"service": "psychotherapy"},
        {},
        "psychological_services",
        ["initial_trial", "total_visits"],
    ),
    # medications
    (
        "opioids, initiation",
        {"service": "opioid", "phase": "initial_trial"},
        {},
        "opioids",
        ["non_opioids_first"],
    ),
    (
        "opioids, continuation with the 4 A's",
        {"service": "opioid", "phase": "continuation"},
        {},
        "opioids",
        ["analgesia", "activities", "adverse_effects", "aberrant_behaviour"],
    ),
    (
        "opioids, discontinuation",
        {"service": "opioid", "phase": "continuation"},
        {},
        "opioids",
        ["no_reason_to_stop"],
    ),
    (
        "opioids, 120 mg MED",
        {"service": "opioid", "phase": "continuation"},
        {},
        "opioids",
        ["dose_ceiling", "higher_dose_with_pain_consultation"],
    ),
    ("urine drug testing", {"service": "urine_drug_test"}, {}, "urine_drug_testing", []),
    ("NSAIDs", {"service": "nsaid"}, {}, "nsaids", []),
    (
        "proton-pump inhibitors by GI risk",
        {"service": "proton_pump_inhibitor"},
        {},
        "proton_pump_inhibitors",
        ["gi_risk"],
    ),
    ("muscle relaxants", {"service": "muscle_relaxant"}, {}, "muscle_relaxants", []),
    (
        "cyclobenzaprine short course",
        {"service": "muscle_relaxant", "text": "Cyclobenzaprine 10mg"},
        {},
        "muscle_relaxants",
        ["short_course"],
    ),
    (
        "carisoprodol",
        {"service": "muscle_relaxant", "text": "Soma 350mg"},
        {},
        "muscle_relaxants",
        ["recommendation"],
    ),
    (
        "topical analgesics and compounds",
        {"service": "topical_analgesic"},
        {},
        "topical_analgesics",
        ["no_not_recommended_ingredient"],
    ),
    ("lidocaine patch", {"service": "lidocaine_patch"}, {}, "lidocaine_patch", []),
    ("gabapentinoids", {"service": "gabapentinoid"}, {}, "gabapentinoids", []),
    ("antidepressants", {"service": "antidepressant"}, {}, "antidepressants", []),
    ("benzodiazepines", {"service": "benzodiazepine"}, {}, "benzodiazepines", ["four_weeks"]),
    ("sleep aids", {"service": "sleep_aid"}, {}, "sleep_aids", []),
    ("medical foods", {"service": "medical_food"}, {}, "medical_foods", []),
    # other
    ("home health services", {"service": "home_health"}, {}, "home_health", ["hours_per_week"]),
    ("lumbar supports", {"service": "lumbar_support"}, {}, "lumbar_support", []),
    ("cold therapy units", {"service": "cold_therapy_unit"}, {}, "cold_therapy_unit", []),
    ("gym memberships", {"service": "gym_membership"}, {}, "gym_membership", []),
    # and the catch-all
    ("a service no rule covers", {"service": "unknown"}, {}, "catch_all", []),
]


def _ids(rule) -> set[str]:
    return set(rule.criterion_ids()) | {e.id for e in rule.exceptions}


@pytest.mark.parametrize(
    ("entry", "request_fields", "facts", "topic", "parts"), COVERAGE, ids=[c[0] for c in COVERAGE]
)
def test_coverage_entry_has_a_rule(entry, request_fields, facts, topic, parts) -> None:
    request = Request(**{"text": entry, **request_fields})
    rule = select_rule(PACK.rules, request, DAY, facts)
    assert rule is not None, entry
    assert rule.topic == topic, f"{entry}: selected {rule.id}"
    assert set(parts) <= _ids(rule), f"{entry}: {rule.id} lacks {set(parts) - _ids(rule)}"
    if topic != "catch_all":
        assert not rule.catch_all


def test_catch_all_is_explicit_and_routes_to_the_physician() -> None:
    catch_all = [rule for rule in PACK.rules if rule.catch_all]
    assert len(catch_all) == 1
    assert catch_all[0].recommendation == "physician_judgement"


def test_2009_era_and_later_editions_are_present() -> None:
    guidelines = {rule.citation.guideline for rule in PACK.rules}
    assert "MTUS Chronic Pain Medical Treatment Guidelines" in guidelines
    assert "MTUS Acupuncture Medical Treatment Guidelines" in guidelines
    assert "MTUS Postsurgical Treatment Guidelines" in guidelines
    assert "ACOEM Occupational Medicine Practice Guidelines" in guidelines
    assert "MTUS Opioids Treatment Guidelines" in guidelines  # 2016
    assert any(rule.effective.from_ == dt.date(2017, 12, 1) for rule in PACK.rules)


def test_cpmtg_editions_end_when_the_next_begins() -> None:
    """A 2009 CPMTG range ends on 2016-07-28; a 2016 one runs 2016-07-29 to 2017-11-30,
    whether it is a rule's own range or a later edition of it."""
    cpmtg = "MTUS Chronic Pain Medical Treatment Guidelines"
    ends = {dt.date(2009, 7, 18): dt.date(2016, 7, 28), dt.date(2016, 7, 29): dt.date(2017, 11, 30)}
    seen = set()
    for rule in PACK.rules:
        editions = [
            (rule.effective, rule.citation),
            *((e.effective, e.citation) for e in rule.editions),
        ]
        for effective, citation in editions:
            if citation.guideline == cpmtg:
                assert ends.get(effective.from_) == effective.to, rule.id
                seen.add(effective.from_)
    assert seen == set(ends)
