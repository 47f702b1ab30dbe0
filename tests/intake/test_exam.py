"""The exam normaliser (openimr.intake.facts.exam): examination findings as typed deficits."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.facts.extract import extract_facts
from openimr.intake.requests import parse_request
from openimr.model import Assertion, Case, Fact, Request
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack


def findings(text: str, kind: str = "exam_finding") -> list[Fact]:
    return [f for f in extract_facts(text) if f.kind == kind]


def of(text: str, **fields) -> list[Fact]:
    return [f for f in findings(text) if all(f.value.get(k) == v for k, v in fields.items())]


def answer(text: str, predicate: str, service: str = "mri", regions=("lumbar",)):
    request = Request(text="x", service=service, body_regions=list(regions))
    facts = extract_facts(text)
    found = Predicates(default_pack(), facts, request, dt.date(2016, 1, 1)).get(predicate)
    return None if found is None else found.value


# --- grades --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grade", "abnormal"),
    [
        ("Exam: right hip abductors 4-/5.", 3.75, True),
        ("On exam the left gastrocnemius is 5-/5.", 4.75, True),
        ("Examination: deltoid strength three out of five.", 3.0, True),
        ("Exam shows EHL 5/5 bilaterally.", 5.0, False),
    ],
)
def test_motor_grades_are_compared_with_full_strength(text, grade, abnormal) -> None:
    (fact,) = of(text, kind="motor")
    assert fact.value["value"] == grade and fact.value["abnormal"] is abnormal
    assert fact.assertion is (Assertion.PRESENT if abnormal else Assertion.NEGATED)


def test_reflex_grades_and_a_side_that_continues_the_previous_part() -> None:
    facts = of("Exam: knee jerk 2+ on the right, 0 on the left.", kind="reflex")
    by_side = {f.value["side"]: f.value["abnormal"] for f in facts}
    assert by_side == {"right": False, "left": True}


def test_evidence_is_an_exact_span_of_the_text() -> None:
    text = "Neuro: diminished pinprick over the left first web space, triceps jerk trace."
    for fact in findings(text):
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text


# --- whole-examination statements and clause-bounded negation --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Neurologically he is intact in both legs.",
        "There are no focal neurologic deficits.",
        "Neuro exam: grossly nonfocal.",
    ],
)
def test_a_normal_neurological_examination_denies_each_part(text) -> None:
    denied = {f.value["kind"] for f in findings(text) if f.assertion is Assertion.NEGATED}
    assert denied == {"motor", "sensory", "reflex"}
    assert answer(text, "objective_neurologic_deficit") is False


def test_a_symptom_denied_and_another_reported_make_no_sign() -> None:
    # the patient's account: neither a deficit nor a normal examination
    assert findings("He denies tingling; he reports his arm feels weak.") == []


def test_a_negation_reaches_over_a_list_but_not_past_a_contrast() -> None:
    text = "Denies chills, night sweats or saddle anesthesia, but has had a fever since Monday."
    flags = {(f.value["flag"], f.assertion) for f in findings(text, "red_flag")}
    assert ("cauda_equina", Assertion.NEGATED) in flags
    assert ("infection", Assertion.PRESENT) in flags
    assert answer(text, "red_flags") is True


def test_red_flag_screening_denied_is_no_red_flag() -> None:
    text = "ROS negative for fevers, weight loss, and changes in bowel or bladder habits."
    assert answer(text, "red_flags") is False


@pytest.mark.parametrize(
    "text",
    [
        "MRI is appropriate when red flags such as cauda equina syndrome are suspected.",
        "His brother had a tumor of the spine.",
        "A compression fracture of T12 in 1998 healed without surgery.",
    ],
)
def test_guideline_wording_a_relative_and_a_healed_injury_are_no_red_flag(text) -> None:
    assert answer(text, "red_flags") is None


# --- named tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "test", "abnormal"),
    [
        (
            "Exam: SLR +R at 35 degrees reproducing posterior thigh and calf pain.",
            "straight_leg_raise",
            True,
        ),
        (
            "Exam: straight-leg raising elicits only hamstring tightness at 80 degrees.",
            "straight_leg_raise",
            False,
        ),
        ("Exam: Spurling maneuver negative bilaterally.", "spurling", False),
        ("Exam: Tinel sign present over the cubital tunnel.", "tinel", True),
        ("Exam: McMurray's produces a painful click medially.", "mcmurray", True),
        ("Exam: Lachman 1+ with a firm end point.", "lachman", True),
    ],
)
def test_named_tests_with_their_result(text, test, abnormal) -> None:
    (fact,) = of(text, test=test)
    assert fact.value["kind"] == "provocative_test" and fact.value["abnormal"] is abnormal


def test_tests_joined_by_a_slash_share_their_result() -> None:
    facts = of("Exam: Phalen/Durkan positive on the left.", kind="provocative_test")
    assert {f.value["test"] for f in facts} == {"phalen", "durkan"}
    assert all(f.value["abnormal"] and f.value["side"] == "left" for f in facts)


def test_a_tension_sign_for_back_pain_only_is_not_radicular() -> None:
    text = "Exam: SLR causes low back pain only; sensation normal; reflexes symmetric."
    assert answer(text, "radiculopathy_on_exam") is False


# --- motion ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "movement", "abnormal"),
    [
        ("Exam: cervical rotation to 45 degrees.", "rotation", True),
        ("Exam: right hip flexion 115°.", "flexion", False),
        ("Exam: the right elbow lacks 20 degrees of extension.", "extension", True),
        ("Exam: ankle dorsiflexion is 5 degrees.", "dorsiflexion", True),
    ],
)
def test_measured_motion_is_compared_with_the_normal_range(text, movement, abnormal) -> None:
    (fact,) = of(text, kind="range_of_motion", test=movement)
    assert fact.value["abnormal"] is abnormal and fact.value["normal"] is not None


def test_a_goal_is_not_a_measurement() -> None:
    assert of("Goal: shoulder abduction to 150 degrees in six weeks.", kind="range_of_motion") == []


def test_functional_deficits_and_their_denial() -> None:
    assert (
        answer(
            "Exam: she cannot rise from a chair without pushing off.",
            "objective_functional_deficits",
        )
        is True
    )
    normal = "Exam: full range of motion of the wrist, normal gait, grip 5/5."
    assert answer(normal, "objective_functional_deficits") is False


# --- corroboration ---------------------------------------------------------------------------


def test_imaging_on_the_other_side_does_not_corroborate() -> None:
    text = (
        "Exam: diminished sensation in the right L5 dermatome and weak right EHL. "
        "MRI: left L4-5 disc herniation compressing the left L5 nerve root."
    )
    assert answer(text, "imaging_or_edx_corroborates", "epidural_steroid_injection") is False
    same = text.replace("left L4-5", "right L4-5").replace("the left L5", "the right L5")
    assert answer(same, "imaging_or_edx_corroborates", "epidural_steroid_injection") is True
    emg = ("emg_ncv", ("lower_extremity",))
    assert answer(text, "radiculopathy_clinically_obvious", *emg) is False
    assert answer(same, "radiculopathy_clinically_obvious", *emg) is True


def test_a_normal_study_is_no_corroboration_and_no_study_says_nothing() -> None:
    normal = "EMG of both legs was normal, without evidence of radiculopathy."
    assert answer(normal, "imaging_or_edx_corroborates", "epidural_steroid_injection") is False
    planned = "We will order an MRI to look for a disc herniation."
    assert answer(planned, "imaging_or_edx_corroborates", "epidural_steroid_injection") is None


# --- knee, osteoarthritis, history ------------------------------------------------------------


def test_knee_signs() -> None:
    assert (
        answer("Exam: the knee is unstable with a positive pivot shift.", "knee_instability")
        is True
    )
    assert (
        answer(
            "Exam: knee stable to varus and valgus stress, Lachman negative.", "knee_instability"
        )
        is False
    )
    text = "Exam: lateral joint line tenderness; Apley grind positive."
    assert answer(text, "suspected_meniscal_or_ligament_tear") is True


def test_osteoarthritis_severity() -> None:
    assert (
        answer(
            "Films show end-stage osteoarthritis of the hip.", "severe_symptomatic_osteoarthritis"
        )
        is True
    )
    assert (
        answer("X-rays show early osteoarthritis only.", "severe_symptomatic_osteoarthritis")
        is False
    )
    assert (
        answer("Diagnosis: osteoarthritis of the knee.", "severe_symptomatic_osteoarthritis")
        is None
    )


@pytest.mark.parametrize(
    ("text", "predicate", "expected"),
    [
        (
            "She is a nurse's aide who transfers patients and climbs stairs with linen carts.",
            "knee_stressed_under_load",
            True,
        ),
        ("He is an office worker with a sedentary job.", "knee_stressed_under_load", False),
        (
            "The surgeon has her non-weight bearing on the right for six weeks.",
            "reduced_weight_bearing_desirable",
            True,
        ),
        (
            "Her BMI is 23 and she does well with land-based exercise.",
            "reduced_weight_bearing_desirable",
            False,
        ),
        (
            "There is no documentation that land therapy cannot be tolerated.",
            "reduced_weight_bearing_desirable",
            None,
        ),
        (
            "Pain after the fusion prevented her from completing her therapy sessions.",
            "postoperative_pain_limits_therapy",
            True,
        ),
        (
            "He is tolerating PT well four weeks after surgery.",
            "postoperative_pain_limits_therapy",
            False,
        ),
        (
            "Her symptoms have remained unchanged since the prior study.",
            "significant_change_in_findings",
            False,
        ),
        (
            "Since the prior MRI she has developed new numbness in the left foot.",
            "significant_change_in_findings",
            True,
        ),
    ],
)
def test_history_findings(text, predicate, expected) -> None:
    assert answer(text, predicate) is expected


def test_neuropathic_pain_from_its_character_and_its_denial() -> None:
    assert (
        answer("She describes an electric, shooting pain into the thumb.", "neuropathic_pain")
        is True
    )
    assert answer("The pain is purely mechanical.", "neuropathic_pain") is False
    assert answer("His aunt has peripheral neuropathy.", "neuropathic_pain") is None


def test_the_root_an_examination_points_to_must_match_the_level_imaged() -> None:
    exam = "Exam: absent left ankle jerk and numbness along the outside of the left foot. "
    far = exam + "MRI: left L3-4 foraminal stenosis impinging the exiting left L3 root."
    near = exam + "MRI: left L5-S1 disc extrusion compressing the traversing left S1 root."
    esi = "epidural_steroid_injection"
    assert answer(far, "imaging_or_edx_corroborates", esi) is False
    assert answer(near, "imaging_or_edx_corroborates", esi) is True


@pytest.mark.parametrize(
    ("text", "abnormal"),
    [
        ("Sensory examination showed no deficit in any dermatome of the legs.", False),
        ("Sensation testing revealed no loss to light touch in either hand.", False),
        ("Deep tendon reflexes 1+ and equal for biceps, triceps and brachioradialis.", False),
        ("Reflexes 1+ symmetric at the knees and ankles.", False),
        ("Deep tendon reflexes are 4 over 4 in the bilateral upper extremities.", False),
        ("Reflexes 1+ bilaterally at the ankles.", False),
        ("Right biceps reflex 1+ versus 2+ on the left.", True),
        ("Sensation decreased in the left L5 dermatome.", True),
    ],
)
def test_a_denied_deficit_and_symmetric_reflexes_are_no_focal_deficit(text, abnormal) -> None:
    found = [f for f in extract_facts(text) if f.kind == "exam_finding"]
    assert found and all(f.value.abnormal is abnormal for f in found)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Diagnoses: neck strain and right ulna fracture.", False),
        ("She was seen for a fracture of the fifth metatarsal of the right foot.", False),
        ("Left thumb non-displaced fracture, healing in a splint.", False),
        ("X-rays after the fall show a compression fracture at L1.", True),
    ],
)
def test_a_diagnosed_limb_fracture_is_no_red_flag(text: str, flag: bool) -> None:
    found = [
        f for f in extract_facts(text) if f.kind == "red_flag" and f.assertion.value == "present"
    ]
    assert bool(found) is flag


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("She slipped on ice and fell onto her back. History of osteoporosis on alendronate.",
         True),
        ("He lost his balance and fell backward. He has been on long-term prednisone for asthma.",
         True),
        ("She slipped on ice and fell onto her back. No history of osteoporosis.", False),
        ("Her mother has osteoporosis. She strained her back lifting a box.", False),
    ],
)  # fmt: skip
def test_a_minor_trauma_in_fragile_bone_is_a_fracture_red_flag(text: str, flag: bool) -> None:
    case = Case(case_id="t", decision_date=dt.date(2016, 6, 1), clinical_summary=text,
                requests=[parse_request("X-rays lumbar spine")])  # fmt: skip
    found = [f for f in intake_case(case).facts if f.kind == "red_flag"
             and f.assertion.value == "present" and f.value.flag == "fracture"]  # fmt: skip
    assert bool(found) is flag


@pytest.mark.parametrize(
    ("text", "tests"),
    [
        ("Decreased flexion, extension, and lateral bending of the lumbar spine.",
         {"flexion", "extension", "lateral_bending"}),
        ("Lumbar flexion and extension were limited by pain.", {"flexion", "extension"}),
        ("He denies decreased flexion.", set()),
        ("Flexion, extension and rotation are full.", set()),
    ],
)  # fmt: skip
def test_movements_said_limited_without_an_angle(text: str, tests: set[str]) -> None:
    motion = [f for f in extract_facts(text) if f.kind == "exam_finding"]
    found = {f.value.test for f in motion if f.value.kind == "range_of_motion" and f.value.abnormal}
    assert found == tests


# --- the body part of a sentence that names none -------------------------------------------


@pytest.mark.parametrize(
    ("text", "movement", "value", "abnormal"),
    [
        ("Right knee: tender laterally. The flexion was limited to 95-100 degrees by pain.",
         "flexion", 100.0, True),
        ("He points to the medial knee. Flexion is 140 degrees.", "flexion", 140.0, False),
        ("Left knee exam. Mild effusion. Extension was limited to -15 degrees.",
         "extension", -15.0, True),
    ],
)  # fmt: skip
def test_a_movement_goes_on_with_the_part_named_just_before(text, movement, value, abnormal):
    (fact,) = of(text, kind="range_of_motion", test=movement)
    assert fact.value["region"] == "knee"
    assert (fact.value["value"], fact.value["abnormal"]) == (value, abnormal)


def test_a_part_named_in_another_paragraph_does_not_carry_over() -> None:
    text = "Right knee: tender.\n\nFlexion limited to 95 degrees."
    assert of(text, kind="range_of_motion", test="flexion") == []


def test_angles_written_before_their_movements_in_a_list() -> None:
    text = (
        "Right shoulder motion: 95 degrees of flexion, 40 degrees of extension and "
        "170 degrees of abduction."
    )
    found = {f.value["test"]: f.value["value"] for f in of(text, kind="range_of_motion")}
    assert found == {"flexion": 95.0, "extension": 40.0, "abduction": 170.0}
    for fact in findings(text):
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("He still has instability of the left shoulder despite therapy.", "shoulder"),
        ("The right ankle feels unstable on uneven ground.", "ankle"),
        ("Exam: the knee is unstable to valgus stress.", "knee"),
    ],
)
def test_instability_is_of_the_part_the_sentence_names(text, region) -> None:
    found = of(text, sign="instability")
    assert found and all(f.value["region"] == region for f in found)


@pytest.mark.parametrize(
    ("text", "test", "abnormal"),
    [
        ("O: R shldr (+) Hawkins, (+) empty can.", "hawkins", True),
        ("O: R shldr (-) Neer, (-) drop arm.", "neer", False),
        ("The straight leg raise test was negative on the left.", "straight_leg_raise", False),
        ("Hawkins test was positive on the right shoulder.", "hawkins", True),
    ],
)
def test_results_in_brackets_and_in_the_past_tense(text, test, abnormal) -> None:
    found = [f for f in findings(text) if f.value["test"] == test]
    assert found and all(f.value["abnormal"] is abnormal for f in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R shldr: impingement tests negative, cuff strength 5/5.", False),
        ("She has weak external rotation and a suspected rotator cuff tear.", True),
        ("MRI: the rotator cuff is intact.", False),
    ],
)
def test_the_rotator_cuff_in_words(text, expected) -> None:
    found = [f for f in findings(text) if f.value["sign"] in ("rotator_cuff", "impingement")]
    assert found and any(f.value["abnormal"] is expected for f in found)


def test_a_median_nerve_history_is_read() -> None:
    found = [
        f
        for f in extract_facts(
            "Her thumb and index finger go numb and she wakes at night with numb hands."
        )
        if f.kind == "history_finding" and f.value.topic == "median_nerve_symptoms"
    ]
    assert found and all(f.assertion is Assertion.PRESENT for f in found)
