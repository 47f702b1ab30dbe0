"""Guideline predicates answered from clinical facts: one behaviour a test."""

from __future__ import annotations

import datetime as dt

from openimr.fact_kinds import typed_value
from openimr.model import Assertion, Evidence, Fact, Request
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack

DAY = dt.date(2014, 6, 1)


def fact(kind, value=None, assertion=Assertion.PRESENT, text="words", start=0):
    """A fact as intake makes it: its value typed by its kind (fact_kinds.yaml)."""
    evidence = [Evidence(text=text, start=start, end=start + len(text))]
    typed = typed_value(kind, value if value is not None else {})
    return Fact(kind=kind, value=typed, assertion=assertion, evidence=evidence)


def predicates(facts, service="acupuncture", **request):
    return Predicates(default_pack(), facts, Request(text="x", service=service, **request), DAY)


def test_presence_yes_no_and_silence():
    hep = fact("home_exercise_program", text="exercises at home")
    assert predicates([hep])["home_exercise_program"].value is True
    assert predicates([hep])["home_exercise_program"].evidence[0].text == "exercises at home"
    no_hep = fact("home_exercise_program", assertion=Assertion.NEGATED)
    assert predicates([no_hep])["home_exercise_program"].value is False
    assert predicates([]).get("home_exercise_program") is None


def test_uncertain_and_hypothetical_facts_document_nothing():
    for assertion in (Assertion.UNCERTAIN, Assertion.HYPOTHETICAL):
        assert predicates([fact("homebound", assertion=assertion)]).get("homebound") is None


def test_a_contradiction_is_recorded_not_resolved():
    both = [fact("homebound"), fact("homebound", assertion=Assertion.NEGATED, start=20)]
    found = predicates(both)
    assert found.get("homebound") is None
    assert "homebound" in found.contradictions


def test_prior_sessions_of_the_same_modality_are_summed():
    facts = [
        fact("prior_treatment", {"modality": "acupuncture", "count": 8}),
        fact("prior_treatment", {"modality": "acupuncture", "count": 4}, start=30),
        fact("prior_treatment", {"modality": "chiropractic", "count": 20}, start=60),
    ]
    assert predicates(facts)["prior_sessions_same_modality"].value == 12


def test_prior_sessions_unknown_when_uncounted_or_when_more_is_asked_for():
    uncounted = [fact("prior_treatment", {"modality": "massage", "count": None})]
    assert predicates(uncounted, service="massage").get("prior_sessions_same_modality") is None
    assert predicates([], continuation=True).get("prior_sessions_same_modality") is None
    assert predicates([])["prior_sessions_same_modality"].value == 0


def test_functional_improvement_status_wins_over_single_mentions():
    facts = [
        fact("functional_improvement", {"domain": "work"}, assertion=Assertion.NEGATED),
        fact("functional_improvement_status", {"status": "absent"}),
    ]
    assert predicates(facts)["functional_improvement_documented"].value is False
    present = [fact("functional_improvement", {"domain": "activities_of_daily_living"})]
    assert predicates(present)["functional_improvement_documented"].value is True


def test_radiculopathy_from_any_radicular_sign_and_denied_by_a_normal_examination():
    slr = fact("exam_finding", {"kind": "provocative_test", "sign": "radicular", "abnormal": True})
    assert predicates([slr])["radiculopathy_on_exam"].value is True
    normal = [
        fact(
            "exam_finding",
            {"kind": kind, "sign": "radicular", "abnormal": False},
            assertion=Assertion.NEGATED,
            start=i * 10,
        )
        for i, kind in enumerate(["motor", "sensory", "reflex"])
    ]
    assert predicates(normal)["radiculopathy_on_exam"].value is False
    assert predicates([*normal, slr])["radiculopathy_on_exam"].value is True
    knee = fact("exam_finding", {"kind": "provocative_test", "sign": "meniscal", "abnormal": True})
    assert predicates([knee]).get("radiculopathy_on_exam") is None


def test_time_since_injury_and_post_operative_day():
    injured = fact("date_of_injury", value=dt.date(2013, 6, 1))
    assert predicates([injured])["months_since_injury"].value == 12.0
    surgery = fact(
        "surgery", {"procedure": "meniscectomy", "date": "2014-05-02", "regions": ["knee"]}
    )
    found = predicates([surgery], service="physical_therapy", body_regions=["knee"])
    assert found["post_operative_day"].value == 30
    other_region = predicates([surgery], service="physical_therapy", body_regions=["shoulder"])
    assert other_region.get("post_operative_day") is None


def test_a_request_reviewed_before_the_operation_is_for_after_it():
    # "the surgeon asked for a cold unit before the surgery; UR denied it a week before":
    # the request's day is the review's, before the operation, not the IMR decision's.
    surgery = fact(
        "surgery", {"procedure": "meniscectomy", "date": "2014-05-19", "regions": ["knee"]}
    )
    review = fact("ur_history", {"date": "2014-05-12", "action": "non-certified"})
    found = predicates([surgery, review], service="cold_therapy_unit", body_regions=["knee"])
    assert found["post_operative_day"].value == -7
    later = fact("ur_history", {"date": "2014-05-26", "action": "non-certified"})
    found = predicates([surgery, review, later], service="cold_therapy_unit", body_regions=["knee"])
    assert found["post_operative_day"].value == 7


def test_diagnoses_map_to_the_pack_vocabulary():
    facts = [
        fact("diagnosis", {"text": "lumbar radiculopathy", "regions": ["lumbar"]}),
        fact("surgery", {"procedure": "microdiscectomy", "regions": ["lumbar"]}, start=40),
    ]
    assert predicates(facts)["diagnoses"].value == [
        "after_lumbar_discectomy",
        "neuralgia_neuritis_radiculitis",
    ]


def test_imaging_corroborates_only_for_the_requested_region():
    mri = fact("imaging_finding", {"finding": "disc protrusion at L5-S1", "regions": ["lumbar"]})
    lumbar = predicates([mri], service="epidural_steroid_injection", body_regions=["lumbar"])
    assert lumbar["imaging_or_edx_corroborates"].value is True
    neck = predicates([mri], service="epidural_steroid_injection", body_regions=["cervical"])
    assert neck.get("imaging_or_edx_corroborates") is None


def test_unknown_predicates_are_not_documented():
    assert predicates([]).get("fluoroscopic_guidance") is None


def test_side_effects_asked_about_either_way_are_assessed():
    none = fact("adverse_effects", assertion=Assertion.NEGATED, text="no side effects")
    assert predicates([none], service="opioid")["opioid_adverse_effects_assessed"].value is True
    assert predicates([], service="opioid").get("opioid_adverse_effects_assessed") is None


def test_home_health_hours_a_week_from_the_request():
    from openimr.intake.requests import parse_request

    request = parse_request("Home health aide 6 hrs/day x 7 days/week")
    found = Predicates(default_pack(), [], request, DAY)
    assert found["home_health_hours_per_week"].value == 42


def test_one_red_flag_denied_and_another_present_is_a_red_flag():
    denied = fact("red_flag", {"flag": "cauda_equina"}, assertion=Assertion.NEGATED)
    cancer = fact("red_flag", {"flag": "tumour"}, assertion=Assertion.HISTORICAL, start=40)
    assert predicates([denied, cancer], service="mri")["red_flags"].value is True
    assert predicates([denied], service="mri")["red_flags"].value is False


def test_no_imaging_mentioned_is_no_prior_imaging_unless_a_repeat_is_asked_for():
    first = predicates([], service="mri", body_regions=["lumbar"])
    assert first["prior_imaging_same_region"].value is False
    repeat = predicates([], service="mri", body_regions=["lumbar"], continuation=True)
    assert repeat.get("prior_imaging_same_region") is None
