"""Changes over treatment (intake/facts/changes.py): the measure, its values before and
after, the direction and the treatment credited, and the predicates answered from them."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.facts.extract import extract_facts
from tests.conftest import predicate_answer

DAY = dt.date(2016, 3, 1)
PT = "Physical therapy 2x4"


def changes(text: str) -> list:
    return [f for f in extract_facts(text) if f.kind == "measured_change"]


def answer(predicate: str, text: str, request: str):
    return predicate_answer(predicate, text, request, DAY)


def test_values_before_and_after_give_the_direction_by_the_measures_sense():
    text = "Standing tolerance 10 -> 40 minutes. Neck disability index 44% down to 22%."
    found = {
        (f.value.measure, f.value.before, f.value.after, f.value.direction) for f in changes(text)
    }
    assert ("tolerance", 10.0, 40.0, "better") in found  # longer is better
    assert ("disability_score", 44.0, 22.0, "better") in found  # a lower score is better
    for f in changes(text):
        for e in f.evidence:
            assert text[e.start : e.end] == e.text


def test_a_dose_written_as_frequencies_or_instead_of():
    (tid_to_bid,) = [
        f for f in changes("Tramadol was cut from TID to BID.") if f.value.before is not None
    ]
    assert (tid_to_bid.value.before, tid_to_bid.value.after) == (3.0, 2.0)
    assert tid_to_bid.value.category == "medication" and tid_to_bid.value.direction == "better"
    night = changes("He uses two Norco at night instead of five a day now.")
    assert any(f.value.before == 5.0 and f.value.after == 2.0 for f in night)


def test_pain_unchanged_but_function_improved_is_two_changes():
    found = {
        (f.value.category, f.value.direction)
        for f in changes("Her pain is about the same, but she can now drive to the store.")
    }
    assert ("pain", "unchanged") in found
    assert ("function", "better") in found
    assert ("function", "unchanged") not in found


def test_the_treatment_credited():
    (f,) = [
        f
        for f in changes("Since starting acupuncture she sleeps through the night again.")
        if f.value.category == "function"
    ]
    assert f.value.credited_kind == "acupuncture"
    assert any(e.text == "acupuncture" for e in f.evidence)


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        ("After the chiropractic visits he can carry groceries again.", "Chiropractic x6", True),
        ("Twelve PT visits later her ADLs are unchanged, she remains on TTD.", PT, False),
        ("Pain 8/10 -> 3/10 with therapy; still unable to sit over 15 minutes.", PT, False),
        ("Goal: walk 30 minutes and improve lifting tolerance.", PT, None),
        ("She denies improvement in her activities since acupuncture.", "Acupuncture x6", False),
        ("Her walking tolerance has declined since the last visit.", PT, False),
        ("With the tramadol she is able to do her laundry again.", PT, None),
        ("The epidural let her walk a mile again.", PT, None),
        ("No documentation of functional improvement was submitted.", PT, None),
    ],
)  # fmt: skip
def test_functional_improvement(text, title, expected):
    assert answer("functional_improvement_documented", text, title) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Naproxen stopped in March because of heartburn.", True),
        ("Oxycodone tapered from 30 mg a day to 10 mg a day.", True),
        ("Gabapentin raised from BID to TID; no side effects.", False),
        ("The doctor plans to taper the Norco next month.", None),
        ("Meds: Norco 5/325 BID.", None),
    ],
)
def test_medication_reduced_or_not_tolerated(text, expected):
    assert answer("medication_reduced_or_not_tolerated", text, "Acupuncture x6") is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("With gabapentin the burning drops from 6/10 to 3/10.", 50),
        ("With Lyrica the burning drops from 6/10 to 3/10.", None),  # another drug
        ("Neurontin gives him roughly 40 percent relief.", 40),
        ("The nerve pill takes the pain from a nine down to a six.", 33.3),
        ("The medial branch block gave 80% relief for six hours.", None),
        ("A 50% reduction in pain is considered a good response by the guidelines.", None),
        ("Pain 7/10 today.", None),
    ],
)
def test_pain_relief_percent(text, expected):
    got = answer("pain_relief_percent", text, "Gabapentin 300 mg #90")
    assert got == expected if expected is None else got == pytest.approx(expected, abs=0.5)


def test_the_four_as_from_function_and_pain_on_the_drug():
    request = "Norco 10/325 #90"
    on_drug = "On Norco he can mow the lawn; without it he stays in bed."
    assert answer("opioid_activities_documented", on_drug, request) is True
    assert answer("opioid_activities_documented", "Pain 6/10 on Norco.", request) is None
    not_asked = "ADLs were not discussed at this visit."
    assert answer("opioid_activities_documented", not_asked, request) is False
    quantified = "Pain 9/10 without Norco and 5/10 with it."
    assert answer("opioid_analgesia_documented", quantified, request) is True
    assert answer("opioid_analgesia_documented", "Norco helps. Refill.", request) is False


def test_trials_and_plateaus():
    assert answer("tens_trial_failed", "A month of TENS gave no relief.", "H-wave device purchase")
    assert not answer("tens_trial_failed", "The TENS unit helped a lot.", "H-wave device purchase")
    assert (
        answer("tens_trial_failed", "Acupuncture gave no relief.", "H-wave device purchase") is None
    )
    plateau = "Therapy progress has plateaued: grip unchanged at 20 kg."
    assert answer("therapy_plateau", plateau, "Work conditioning 10 sessions") is True
    gaining = "Still gaining with PT: lifting 20 lb now, was 10 lb."
    assert answer("therapy_plateau", gaining, "Work conditioning 10 sessions") is False
    log = "Interferential trial: used twice a day, pain 8/10 -> 4/10, sitting 20 min (was 5)."
    assert answer("device_trial_successful", log, "Interferential unit purchase") is True
    never = "No trial of the interferential unit has been performed."
    assert answer("device_trial_successful", never, "Interferential unit purchase") is False


@pytest.mark.parametrize(
    ("predicate", "text", "title", "expected"),
    [
        ("significant_loss_of_function", "His wife has to help him bathe and dress.", "FRP", True),
        ("significant_loss_of_function", "Independent in self-care; drives to work.", "FRP", False),
        ("significant_loss_of_function", "Pain 8/10, worse at night.", "FRP", None),
        ("returned_to_work", "She went back to her job as a clerk in May.", PT, True),
        ("returned_to_work", "He has not been back to work since the fall.", PT, False),
        ("returned_to_work", "The goal of therapy is a return to work.", PT, None),
        ("functional_improvement_documented", "Working without restrictions now.", PT, True),
        (
            "functional_improvement_documented",
            "Grip 20 lb at eval and 35 lb at visit 10.",
            PT,
            None,
        ),
        ("therapy_plateau", "Grip 20 lb at eval and 35 lb at visit 10.", "Work hardening", False),
    ],
)
def test_states_of_function_and_work(predicate, text, title, expected):
    assert answer(predicate, text, title) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Left leg pain 9/10 down to the foot; cannot stand to shower.", True),
        ("Occasional tingling in the right hand, 2/10, not limiting.", False),
        ("Axial neck pain without radiation.", False),
        ("Back pain 6/10 today.", None),
        ("Remote history of sciatica, long resolved.", None),
        ("Consider referral if the severe arm pain persists.", None),
        # what the arm symptoms keep her from doing
        (
            "Neck pain radiating into the right lateral arm to the thumb, with numbness and "
            "difficulty holding scissors.",
            True,
        ),
        (
            "Pain radiating down the back of the thigh; he has been temporarily totally disabled "
            "since May.",
            True,
        ),
    ],
)
def test_severe_disabling_limb_symptoms(text, expected):
    assert answer("severe_disabling_symptoms", text, "Spine surgery consultation") is expected


@pytest.mark.parametrize(
    "text",
    [
        "He hurt his lower back at work lifting a crate.",
        "She injured her low back at work in 2013.",
        "Tender over the lower lumbar facets; lower extremity strength 5/5.",
        "He went back to modified duty but stopped after three weeks because of pain.",
        "She returned to work in May but had to stop after a week.",
        "The AME and the treating doctor disagree about whether he can return to his job.",
        "An evaluation was requested to help set permanent work restrictions.",
    ],
)
def test_look_alikes_of_a_gain_are_no_gain(text: str) -> None:
    # body parts named "lower back", a return to work given up, a question and a purpose
    gains = [f.value for f in changes(text) if f.value.direction == "better"]
    assert gains == []


@pytest.mark.parametrize(
    "text",
    [
        "He is back at work on modified duty since March.",
        "Pain fell from 7/10 to 3/10 and she went back to work full duty.",
        "She stopped the ibuprofen and now walks a mile a day.",
    ],
)
def test_real_gains_are_still_read(text: str) -> None:
    assert any(f.value.direction == "better" for f in changes(text))


@pytest.mark.parametrize(
    "text",
    [
        "He went back to work in 2014 but stopped after three weeks because of the pain.",
        "She returned to her usual job and quit after two days.",
        "The QME and the PTP disagree about her ability to lift.",
        "The agreed medical evaluator and the treating doctor disagree about whether he can "
        "return to his usual job.",
    ],
)
def test_a_failed_return_or_conflicting_opinions_make_the_case_complex(text: str) -> None:
    found = [f for f in extract_facts(text) if f.kind == "case_complexity"]
    assert [f.value.status for f in found][:1] == ["complex"]


def test_two_scores_on_one_scale_joined_by_to_are_a_change() -> None:
    found = [f.value for f in changes("During the TENS trial, VAS 8/10 to 5/10 during use.")]
    assert [(v.before, v.after, v.direction) for v in found if v.category == "pain"] == [
        (8.0, 5.0, "better")
    ]
    # a range of days is not a change of anything
    assert changes("PT 2 to 3 days a week.") == []


def test_the_units_of_a_value_are_not_what_a_change_is_credited_to() -> None:
    text = "TENS trial log: hydrocodone reduced from 4 tablets to 2 tablets per day."
    (drop,) = [f.value for f in changes(text) if f.value.before is not None]
    assert (drop.before, drop.after) == (4.0, 2.0)
    assert drop.credited_to != "tablets"


def test_a_type_of_pain_is_no_activity() -> None:
    found = [
        f.value for f in changes("He continues to have a crushing type of pain in the midback.")
    ]
    assert [v.category for v in found] == ["pain"]


@pytest.mark.parametrize(
    "text",
    [
        "An epidural on 7/9/2015 gave about two weeks of modest relief.",
        "Gabapentin gave only brief relief.",
        "Two PT courses, each with short-lived improvement.",
        "A carpal tunnel injection relieved symptoms for about three weeks.",
        "The splint helped only a few days.",
    ],
)
def test_relief_that_did_not_last_is_care_that_failed(text: str) -> None:
    assert answer("conservative_care_failed", text, "Referral to spine surgeon") is True


@pytest.mark.parametrize(
    "text",
    ["Physical therapy helped with flexibility.", "Her flexibility is better since starting PT."],
)
def test_flexibility_is_motion(text):
    (found,) = [f for f in changes(text) if f.value.category == "motion"]
    assert found.value.direction == "better"
    assert found.value.credited_kind == "physical_therapy"


@pytest.mark.parametrize(
    ("text", "changed"),
    [
        ("The injured worker is currently not working.", False),
        ("She is presently not working because of the back pain.", False),
        ("Physical therapy is not working.", True),
    ],
)
def test_not_working_said_of_the_patient_is_work_status_not_a_change(text, changed):
    found = [f for f in changes(text) if f.value.direction == "unchanged"]
    assert bool(found) is changed


@pytest.mark.parametrize(
    "text",
    [
        "He has not seemed to improve with physical therapy.",
        "Her pain doesn't appear to improve with the acupuncture.",
    ],
)
def test_not_seeming_to_improve_is_no_change_not_a_goal(text):
    (found,) = [f for f in changes(text) if f.value.direction != "planned"]
    assert found.value.direction == "unchanged"


@pytest.mark.parametrize(
    "text",
    [
        "Knee pain 6/10, worse on stairs.",
        "Her back pain is worse with prolonged sitting and better lying down.",
        "Symptoms get worse at night.",
    ],
)
def test_what_aggravates_the_pain_is_no_change_over_treatment(text):
    assert [f for f in changes(text) if f.value.direction == "worse"] == []


def test_a_change_for_the_worse_is_still_read():
    (found,) = [f for f in changes("Function has worsened despite PT.") if f.value.direction]
    assert found.value.direction == "worse"


@pytest.mark.parametrize(
    "text",
    [
        "The blocks each gave about a week of relief.",
        "She takes gabapentin with only partial benefit.",
        "Ibuprofen gives only modest relief.",
    ],
)
def test_brief_or_only_partial_relief_is_not_enough(text):
    found = [f for f in changes(text) if f.value.direction in ("unchanged", "ineffective")]
    assert found and not [f for f in changes(text) if f.value.direction == "better"]


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("s/p TPI x3; went from modified 4 h/day to full duty 8 h.", "better"),
        ("He went from full duty to light duty after the flare.", "worse"),
    ],
)
def test_a_move_on_the_ladder_of_work(text, direction):
    assert direction in {f.value.direction for f in changes(text)}


def test_status_post_credits_what_follows_to_the_treatment():
    found = changes("s/p TPI x3 in May -> VAS 8 -> 3; Norco stopped.")
    assert {f.value.credited_kind for f in found} == {"trigger_point_injection"}


def test_drugs_are_found_in_order_of_where_they_start():
    """find_changes takes a sentence's drugs by bisection over their starts."""
    from openimr.intake.lexicon import lexicon

    text = "Norco and gabapentin; later tramadol, then Norco again with naproxen and Lyrica."
    starts = [h.start for h in lexicon().find_drugs(text)]
    assert len(starts) >= 5 and starts == sorted(starts)
