"""Injections read from the records: given or planned, the relief they gave, when, where, how
the requested one is to be done; and the examination findings injections rest on."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.facts.extract import extract_facts
from openimr.intake.requests import parse_request
from openimr.model import Assertion
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack

DAY = dt.date(2016, 6, 1)


def answer(predicate: str, request: str, text: str, on: dt.date = DAY):
    found = Predicates(default_pack(), extract_facts(text), parse_request(request), on)
    got = found.get(predicate)
    return None if got is None else got.value


def facts(text: str, kind: str):
    return [f for f in extract_facts(text) if f.kind == kind]


ESI = "Lumbar epidural steroid injection L5-S1"
RFA = "Lumbar radiofrequency ablation L4-5 L5-S1"
KNEE_HA = "Right knee hyaluronic acid injections x3"


# --- relief from a prior injection ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "percent", "weeks"),
    [
        ("Pt had L5-S1 ESI on 1/5/16 with 60-70% relief x ~9 wks.", 60, 9),
        ("Her pain was reduced by half for two months after the epidural.", 50, 8.7),
        ("Status post transforaminal ESI 2/2016: 50% better for 3 months.", 50, 13),
        ("VAS went from 9/10 before the ESI to 3/10 after it, for ten days.", 67, 1.4),
        ("She reports eighty percent improvement following the epidural in April.", 80, None),
        ("The ESI on 2/2/16 did not help at all.", 0, 0),
        ("The epidural gave no benefit, not even for a day.", 0, 0),
        ("Prior epidural: 50-60% relief for 4-6 weeks per the UR reviewer.", 50, 4),
        ("Left L4-5 TFESI (1/12/16) - relief: 80%, duration: 5 weeks.", 80, 5),
        ("She reports 6 weeks of greater than 50% improvement after the ESI.", 50, 6),
        ("Following ESI #2, pain decreased from 7 to 3, for like three weeks.", 57, 3),
    ],
)
def test_relief_after_an_injection_of_the_kind_requested(text, percent, weeks) -> None:
    assert answer("prior_injection_relief_percent", ESI, text) == percent
    got = answer("prior_injection_relief_weeks", ESI, text)
    assert got == weeks if weeks is None else abs(got - weeks) < 0.2


@pytest.mark.parametrize(
    "text",
    [
        "Norco provides 50% pain relief. Prior ESI in 2015.",
        "She is scheduled for an ESI; gabapentin gives 30% relief.",
        "Physical therapy helped 30%. The epidural has not been done.",
        "Repeat ESI requested; guidelines require 50% relief for 6 to 8 weeks.",
        "The prior facet block gave 80% relief for two weeks.",
        "Pain 7/10 today. Requesting L5-S1 ESI.",
    ],
)
def test_relief_from_something_else_is_not_the_injection_relief(text) -> None:
    assert answer("prior_injection_relief_percent", ESI, text) is None
    assert answer("prior_injection_relief_weeks", ESI, text) is None


def test_the_most_recent_injection_answers() -> None:
    text = "ESI 4/2015: excellent relief, 90%, lasting 4 months. ESI 11/2015: 40% relief x 3 weeks."
    assert answer("prior_injection_relief_percent", ESI, text) == 40
    assert answer("prior_injection_relief_weeks", ESI, text) == 3
    undated = "The first epidural helped sixty percent, the second one only ten percent."
    assert answer("prior_injection_relief_percent", ESI, undated) == 10


def test_relief_evidence_quotes_the_injection_and_the_relief() -> None:
    text = "Following the C6-7 interlaminar ESI the pt had 3 weeks of 70% relief."
    (response,) = facts(text, "injection_response")
    assert response.value["percent"] == 70 and response.value["weeks"] == 3
    quoted = [e.text for e in response.evidence]
    assert "interlaminar ESI" in quoted and any("70%" in q for q in quoted)
    assert all(text[e.start : e.end] == e.text for e in response.evidence)


# --- diagnostic blocks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Diagnostic MBB at L4-5 and L5-S1 on 3/1/16 produced concordant relief.", True),
        ("He reported 90% relief after the L4-5 and L5-S1 MBBs, lasting six hours.", True),
        ("Bilateral L4-5, L5-S1 MBB 5/5/16: pain 7/10 pre and 1/10 post.", True),
        ("Bilateral L4-5 medial branch blocks 2/2016: only 50% relief.", False),
        ("The medial branch blocks did not help.", False),
        ("ESI gave 80% relief. MBB has not been done.", False),
        ("Plan: diagnostic medial branch blocks, then RFA if they give 70% relief.", None),
        ("RF neurotomy requires a positive diagnostic block. Block done 2/2016.", None),
    ],
)
def test_a_positive_diagnostic_block(text, expected) -> None:
    assert answer("positive_medial_branch_block", RFA, text) is expected


# --- injections in the past 12 months -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She underwent L5-S1 TFESIs on 9/10/2015 and 2/2/2016.", 2),
        ("Lumbar ESI 3/2014, 7/2015 and 1/2016.", 2),
        ("Two lumbar epidurals in the past 12 months.", 2),
        ("He has never had an epidural injection.", 0),
        ("Lumbar ESIs 10/2015 and 3/2016. No cervical injections.", 0),
        ("Prior ESIs helped.", None),
        ("She has had 3 ESIs, most recently on 1/10/2016.", None),
        ("Three lumbar ESIs in the last year, the most recent on 1/10/2016.", 3),
        ("Request for L5-S1 ESI.", None),
    ],
)
def test_injections_of_the_kind_in_the_past_year(text, expected) -> None:
    request = "Cervical epidural steroid injection C6-7" if "cervical" in text else ESI
    assert answer("injections_same_region_past_12_months", request, text) == expected


def test_injections_to_the_other_side_are_not_counted() -> None:
    text = (
        "Cortisone injections to the left knee 9/2015 and 1/2016 and to the right knee in 3/2016."
    )
    assert (
        answer("injections_same_region_past_12_months", "Right knee corticosteroid injection", text)
        == 1
    )


# --- intra-articular steroid before hyaluronic acid ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Right knee Depo-Medrol injection 1/2016 provided only two weeks of relief.", True),
        ("R knee IA steroid inj 2015 - no response at all.", True),
        ("The corticosteroid injection in the right knee gave 80% relief for 4 months.", False),
        ("She has never received a steroid injection in the right knee.", False),
        ("L knee cortisone shot failed. R knee never injected.", None),
        ("Plan: IA steroid vs HA for the right knee.", None),
    ],
)
def test_intraarticular_steroid_failed(text, expected) -> None:
    assert answer("intraarticular_steroid_failed", KNEE_HA, text) is expected


# --- how the requested injection is to be done --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Will perform the ESI under fluoroscopic guidance.", True),
        ("P: L5-S1 TFESI, fluoroscopically guided, with contrast.", True),
        ("Plan right knee injection with ultrasound guidance.", False),
        ("The ESI will be done in the office without imaging guidance.", False),
        ("Her last ESI was fluoroscopically guided.", None),
        ("X-ray of the lumbar spine normal.", None),
        ("TFESI under fluoroscopy 3/2015 gave 60% relief.", None),
        ("Fluoroscopic discogram 4/2014 was concordant at L5-S1.", None),
        ("Request repeat L5 TFESI under fluoroscopy as the prior one gave 70% relief.", True),
    ],
)
def test_fluoroscopic_guidance_from_the_notes(text, expected) -> None:
    assert answer("fluoroscopic_guidance", ESI, text) is expected


def test_fluoroscopy_in_the_request_title_still_answers() -> None:
    assert answer("fluoroscopic_guidance", ESI + " under fluoroscopy", "") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plan: right L5-S1 transforaminal epidural steroid injection.", "transforaminal"),
        ("Requesting interlaminar ESI at L5-S1.", "interlaminar"),
        ("Will do a caudal approach given the prior fusion.", "caudal"),
        ("Previous interlaminar ESI 2015. Now requesting repeat ESI.", None),
        ("Her caudal epidural did not help much; now we want a TFESI at L5-S1.", "transforaminal"),
    ],
)
def test_the_approach_of_the_requested_epidural(text, expected) -> None:
    assert answer("injection_approach", ESI, text) == expected


# --- examination ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        (
            "Right sacroiliac joint injection",
            "Positive Gaenslen's, FABER and compression on the right.",
            3,
        ),
        ("Right sacroiliac joint injection", "3 of 5 SI provocation tests positive.", 3),
        (
            "Right sacroiliac joint injection",
            "Patrick's and Gaenslen's tests negative bilaterally.",
            0,
        ),
        ("Right sacroiliac joint injection", "FABER (+) R, Gaenslen (+) R, compression (-).", 2),
        (
            "Left sacroiliac joint injection",
            "Gaenslen's positive on the left; FABER positive on the right.",
            1,
        ),
        ("Right sacroiliac joint injection", "Exam 9/15/2015: positive Yeoman test.", 1),
        ("Right sacroiliac joint injection", "Tenderness over the right SI joint.", None),
        (
            "Right sacroiliac joint injection",
            "L1 compression fracture was negative for retropulsion.",
            None,
        ),
        (
            "Right sacroiliac joint injection",
            "Squeezing his hips together hurt his right buttock, and so did letting his right leg"
            " hang off the side of the table, but the figure-4 position did not hurt.",
            2,
        ),
    ],
)
def test_positive_sacroiliac_provocation_tests(title, text, expected) -> None:
    assert answer("positive_provocative_sacroiliac_tests", title, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Trigger points in the trapezius with a positive twitch response and referred pain"
            " to the head.",
            True,
        ),
        ("Jump sign over the levator trigger point with pain referring to the neck.", True),
        ("Trigger points were noted bilaterally without twitch response.", False),
        ("Taut bands palpated, but no local twitch or referred pain pattern was noted.", False),
        ("No trigger points found.", False),
        ("Tender trapezius. Request TPI.", None),
        ("Twitch response and referred pain were not assessed.", None),
        ("when i pressed the knot it twitched and the pain went up to her head", True),
        ("Low back pain radiating down the leg. Muscle twitching at night.", None),
    ],
)
def test_trigger_points_with_twitch_and_referral(text, expected) -> None:
    assert answer("trigger_points_twitch_referred", "Trigger point injections", text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pain with lumbar extension and rotation bilaterally. Neuro exam normal.", True),
        ("Axial LBP without leg symptoms, tenderness over the L4-5 facets, SLR negative.", True),
        ("Positive facet loading. Radiculopathy L5 on EMG.", False),
        ("Facet loading negative bilaterally.", False),
        ("Chronic low back pain. MRI with facet arthropathy.", None),
        ("Facet loading was not tested today.", None),
        ("Positive Kemp's test bilaterally.", True),
        (
            "Positive Spurling's on the right, numbness into the thumb; facet tenderness C5-6.",
            False,
        ),
    ],
)
def test_facet_pattern_pain(text, expected) -> None:
    assert answer("facet_pattern_pain", "Lumbar facet injection L4-5 L5-S1", text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Facets ruled out with negative medial branch blocks and the hip MRI was normal.", True),
        ("EMG negative for radiculopathy. Hip exam unremarkable.", True),
        ("Hip pain possibly contributing. MRI lumbar spine pending.", False),
        ("The hip X-ray was normal.", None),
        ("DDx: SIJ, facet, hip.", None),
        ("Lumbar MRI shows L4-5 disc protrusion, not yet addressed. Hip exam normal.", False),
        ("Assessment: SI joint dysfunction; rule out facet syndrome and hip pathology.", False),
    ],
)
def test_other_pain_generators_excluded(text, expected) -> None:
    request = "Right sacroiliac joint injection"
    assert answer("other_pain_generators_excluded", request, text) is expected


def test_a_denied_injection_is_negated_and_a_planned_one_is_not_given() -> None:
    (denied,) = facts("No prior ESI.", "injection")
    assert denied.assertion is Assertion.NEGATED
    (planned,) = facts("Req L4-5 ESI x1.", "injection")
    assert planned.value["time"] == "planned" and planned.assertion is not Assertion.PRESENT
    (given,) = facts("He got no relief from the epidural.", "injection")
    assert given.assertion is Assertion.PRESENT


def test_the_guidance_of_another_requested_injection_does_not_answer() -> None:
    text = (
        "Request: right L5-S1 TFESI under fluoroscopic guidance. Also requesting a right SI"
        " joint injection."
    )
    assert answer("fluoroscopic_guidance", ESI, text) is True
    assert answer("fluoroscopic_guidance", "Right sacroiliac joint injection", text) is None


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("She had medial branch blocks on 7/15/2014; her pain went from 7 out of 10 down to 1 "
         "out of 10 for about two hours.", 86),
        ("Medial branch blocks 7/15/2014: seven out of ten down to two out of ten.", 71),
        # a score change and a percent in one sentence: both read, the score first
        ("MBB 3/1/2015: pain 8/10 -> 2/10, then 60% relief noted.", 75),
    ],
)  # fmt: skip
def test_relief_from_pain_scores_written_out(text: str, percent: int) -> None:
    (found,) = facts(text, "injection_response")
    assert found.value.percent == percent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Positive FABER, Gaenslen, thigh thrust and compression tests on the right; the "
         "distraction test was negative.",
         {"faber": "positive", "gaenslen": "positive", "thigh_thrust": "positive",
          "compression": "positive", "distraction": "negative"}),
        ("FABER, Gaenslen and thigh thrust were positive; compression was negative.",
         {"faber": "positive", "gaenslen": "positive", "thigh_thrust": "positive",
          "compression": "negative"}),
        ("Distraction negative; FABER, Gaenslen and compression all reproduced her pain.",
         {"distraction": "negative", "faber": "positive", "gaenslen": "positive",
          "compression": "positive"}),
    ],
)  # fmt: skip
def test_a_list_of_provocation_tests_shares_its_result_up_to_a_semicolon(text, expected):
    found = {f.value.test: f.value.result for f in facts(text, "sacroiliac_test")}
    assert found == expected


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("s/p TPI x3 09/28/2015 -> VAS 8 -> 3, relief ~8 wks.", 62),
        ("After the ESI in 3/2015, NRS 7 to 2 for six weeks.", 71),
    ],
)
def test_relief_from_a_named_scale_with_bare_values(text: str, percent: int) -> None:
    (found,) = facts(text, "injection_response")
    assert found.value.percent == percent


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("DOI 03/2014. Myofascial pain of the left trapezius.", 22.6),
        ("Date of injury: March 2014. Neck pain since.", 22.6),
    ],
)
def test_an_injury_dated_to_the_month_gives_how_long_the_pain_has_lasted(text, months):
    found = answer("pain_duration_months", "Trigger point injections x3", text,
                   on=dt.date(2016, 1, 19))  # fmt: skip
    assert found == pytest.approx(months, abs=0.6)
