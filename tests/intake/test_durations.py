"""Dates, durations, treatment counts and urine drug tests, read by meaning and anchored to
the decision date (intake/facts/durations.py, the pack's elapsed-time operators)."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.dates import PartialDate, find_partial_dates
from openimr.intake.facts import extract_facts
from openimr.intake.requests import parse_request
from openimr.model import Case
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack

ON = dt.date(2016, 6, 1)


def ask(predicate: str, text: str, request: str = "Physical therapy 2x4", on: dt.date = ON):
    case = Case(
        case_id="t", decision_date=on, clinical_summary=text, requests=[parse_request(request)]
    )
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], on).get(predicate)
    return None if found is None else found.value


# --- partial dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("christmas of last year", dt.date(2015, 12, 25)),
        ("the third of May this year", dt.date(2016, 5, 3)),
        ("august twelfth", dt.date(2015, 8, 12)),  # the most recent August 12th
        ("October of 2014", dt.date(2014, 10, 15)),
        ("march second two thousand fifteen", dt.date(2015, 3, 2)),
        ("Labor Day of last year", dt.date(2015, 9, 7)),
        ("the end of march", dt.date(2016, 3, 27)),
        ("mid-November 2014", dt.date(2014, 11, 15)),
    ],
)
def test_partial_dates_are_read_against_the_decision_date(text, day) -> None:
    ((start, end, when),) = find_partial_dates(text)
    assert (start, end) == (0, len(text))
    assert when.resolve(ON) == day


def test_a_month_that_is_also_a_verb_is_no_date_alone() -> None:
    assert find_partial_dates("she may return to work") == []
    assert find_partial_dates("seen in May 2015")[0][2] == PartialDate(month=5, year=2015)


def test_a_pain_score_is_not_a_month_and_year() -> None:
    assert find_partial_dates("pain 7/10 today") == []


# --- complaint, limitation, injury and operation times --------------------------------------


@pytest.mark.parametrize(
    ("predicate", "text", "expected"),
    [
        ("pain_duration_months", "Low back pain for the past eight months, worse with sitting.", 8),
        ("pain_duration_months", "Her knee started hurting in February of 2016; pain 6/10.", 3.5),
        ("pain_duration_months", "Neck pain x 2.5 yrs.", 30),
        ("pain_duration_months", "Hip pain began last Christmas and has not let up.", 5.2),
        ("symptom_duration_weeks", "Reports numbness in the right thumb for about a month.", 4.3),
        ("symptom_duration_weeks", "Tingling of the left hand, onset 4/4/2016.", 8.1),
        ("activity_limitation_weeks", "Off work since 3/1/2016 due to the back.", 13.1),
        ("activity_limitation_weeks", "For the last three weeks he cannot climb stairs.", 3),
        ("months_since_injury", "She hurt her shoulder at work about a year and a half ago.", 18),
        ("post_operative_day", "He is four weeks out from his carpal tunnel release.", 28),
        ("post_operative_day", "Post-op day #5 after knee arthroscopy.", 5),
    ],
)
def test_times_are_read_whatever_their_form(predicate, text, expected) -> None:
    got = ask(predicate, text)
    assert got == pytest.approx(expected, abs=0.6)


@pytest.mark.parametrize(
    ("predicate", "text"),
    [
        # a treatment's time is no complaint's time
        ("pain_duration_months", "Physical therapy for the past 6 weeks has helped her pain."),
        ("symptom_duration_weeks", "He has taken gabapentin for 10 weeks for the numbness."),
        # a visit's date is no onset
        ("pain_duration_months", "She was seen on 5/2/2016 for her back pain."),
        # a worsening is no onset
        ("pain_duration_months", "His back pain got worse two weeks ago."),
        # a rule, not the patient
        ("symptom_duration_weeks", "Guidelines support EMG when symptoms last beyond 4 weeks."),
        # an operation not yet done
        ("post_operative_day", "The knee replacement is scheduled for next month."),
        # a year alone gives no day to count from
        ("post_operative_day", "Past surgical history: cholecystectomy in 2001."),
        # someone else's history
        ("pain_duration_months", "Her mother had back pain for years."),
    ],
)
def test_times_that_are_not_the_answer_leave_it_undocumented(predicate, text) -> None:
    assert ask(predicate, text) is None


def test_a_complaint_that_began_with_the_injury_is_timed_from_it() -> None:
    text = "Date of injury 9/1/2015. Low back pain ever since the injury."
    assert ask("pain_duration_months", text) == pytest.approx(9, abs=0.5)


def test_a_limitation_stated_absent_is_zero_weeks() -> None:
    text = "Knee pain for a year; it has never kept her from working."
    assert ask("activity_limitation_weeks", text) == 0


def test_onset_evidence_quotes_the_source_exactly() -> None:
    text = "The neck pain came on around Thanksgiving of last year."
    onsets = [f for f in extract_facts(text) if f.kind == "onset"]
    assert onsets and onsets[0].value.topic == "pain"
    for evidence in onsets[0].evidence:
        assert text[evidence.start : evidence.end] == evidence.text


# --- prior sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        (
            "She has finished 9 of 12 approved physical therapy visits.",
            "Physical therapy 6 visits",
            9,
        ),
        ("PT 3x4 completed last spring.", "Physical therapy 6 visits", 12),
        ("Had ten acupuncture treatments, then two more in May.", "Acupuncture 6 sessions", 12),
        ("The doctor is requesting trigger point injections x4.", "Trigger point injections x4", 0),
        ("Chiropractic x6 was certified by UR but not started.", "Chiropractic 6 visits", 0),
        ("She has never tried chiropractic care.", "Chiropractic 6 visits", 0),
        ("Prior tx: PT x12, chiro none.", "Chiropractic 6 visits", 0),
    ],
)
def test_prior_sessions_count_what_was_received(text, title, expected) -> None:
    assert ask("prior_sessions_same_modality", text, title) == expected


def test_a_history_that_counts_nothing_leaves_other_modalities_undocumented() -> None:
    text = "Prior physical therapy was of some help."
    assert ask("prior_sessions_same_modality", text, "Acupuncture 6 sessions") is None


def test_massage_is_not_physical_therapy() -> None:
    text = "She has had 8 massage sessions."
    assert ask("prior_sessions_same_modality", text, "Physical therapy 6 visits") == 0
    assert ask("prior_sessions_same_modality", text, "Massage 6 visits") == 8


# --- urine drug tests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Urine tox screens 8/2015, 12/2015 and 4/2016 were consistent.", 3),
        ("UDT on 3/3/2015 and 2/2/2016, both appropriate.", 1),  # one is over a year old
        ("Quarterly urine drug screens over the past year.", 4),
        ("She has never had a urine drug screen.", 0),
        ("Last urine drug test was three months ago, consistent.", 1),
    ],
)
def test_urine_drug_tests_of_the_past_year(text, expected) -> None:
    assert ask("urine_drug_tests_past_12_months", text, "Urine drug screen") == expected


@pytest.mark.parametrize(
    "text",
    ["Plan: urine drug screen today.", "Random urine drug testing is recommended by guidelines."],
)
def test_a_planned_or_guideline_test_is_not_a_test_done(text) -> None:
    assert ask("urine_drug_tests_past_12_months", text, "Urine drug screen") is None


# --- weeks on the requested drug --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        ("Tramadol 50 mg BID x 8 wks.", "Tramadol 50 mg #56", 12),
        ("Naproxen 550 mg BID was started 3 weeks ago.", "Naproxen 550 mg #28", 5),
        ("New prescription: naproxen 550 mg BID.", "Naproxen 550 mg #28", 2),
        # the request itself says it is a first prescription
        (
            "Requests: (1) meloxicam 7.5 mg daily #30, new start; (2) labs in 4 weeks.",
            "Meloxicam 7.5mg #30",
            4.3,
        ),
        (
            "We are requesting naproxen 550 mg BID #28 as a new prescription.",
            "Naproxen 550 mg #28",
            2,
        ),
    ],
)
def test_weeks_on_the_drug_count_the_supply_requested(text, title, expected) -> None:
    assert ask("weeks_on_medication", text, title) == pytest.approx(expected, abs=0.3)


def test_another_drugs_time_does_not_count() -> None:
    text = "He has taken gabapentin for a year."
    assert ask("weeks_on_medication", text, "Tramadol 50 mg #56") is None


# --- the daily morphine-equivalent dose -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # extended and immediate release of one drug are two prescriptions
        ("She takes morphine sulfate ER 60 mg twice daily and morphine sulfate IR 15 mg twice "
         "daily.", 150),
        ("Oxycodone HCl 10 mg four times a day.", 60),
        # the prescriber's own total, when the doses named do not give one
        ("On Norco and MS Contin, about 150 mg morphine equivalent per day.", 150),
        ("Current MED is 90 mg.", 90),
    ],
)  # fmt: skip
def test_the_daily_morphine_equivalent(text: str, expected: float) -> None:
    got = ask("morphine_equivalent_mg_per_day", text, "MS Contin 60mg #60")
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "UR denied it because the dose exceeds 120 mg morphine equivalents.",
        "Guidelines advise doses rarely above 120 mg MED.",
    ],
)
def test_a_limit_named_is_not_the_patients_dose(text: str) -> None:
    assert ask("morphine_equivalent_mg_per_day", text, "MS Contin 60mg #60") is None


def test_up_to_is_a_most_not_a_change() -> None:
    found = [
        f.value
        for f in extract_facts("Morphine IR 15 mg up to twice daily for breakthrough pain.")
        if f.kind == "measured_change" and f.value.before is not None
    ]
    assert found == []


# --- home care hours asked for ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("The provider requested a home health aide 5 hours a day, 4 days a week.", 20),
        ("RFA: home care around the clock.", 168),
        ("He asks for a caregiver three hours daily.", 21),
        ("Req: home nursing twice a week, 2 hours each visit.", 4),
        ("The request is for 20 hours per week of home health care.", 20),
        ("Ordered home health six hours a day, Monday through Friday.", 30),
    ],
)
def test_home_care_hours_asked_for_in_the_records(text: str, hours: float) -> None:
    assert ask("home_health_hours_per_week", text, "Home health aide") == pytest.approx(hours)


@pytest.mark.parametrize(
    "text",
    [
        "Guidelines limit home health to no more than 35 hours per week.",
        "Her daughter helps her about ten hours a week.",
    ],
)
def test_a_limit_or_family_help_is_no_request(text: str) -> None:
    assert ask("home_health_hours_per_week", text, "Home health aide") is None


@pytest.mark.parametrize(
    "text",
    [
        "He crushed his left foot under a pallet on June ninth, 2013.",
        "She tripped over a hose at work on 3/4/2015.",
        "His hand was caught in a press on 1/12/2014.",
    ],
)
def test_the_mechanism_of_injury_dates_the_injury(text: str) -> None:
    onsets = [f.value for f in extract_facts(text) if f.kind == "onset"]
    assert [o.topic for o in onsets] == ["injury"]
