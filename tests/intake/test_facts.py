"""Clinical facts: one phrasing, one behaviour. Many phrasings per family, not from seeds only."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.intake.case_file import intake_case
from openimr.intake.documents import repair_text
from openimr.intake.facts import extract_facts, principal_regions
from openimr.intake.facts.nlp import Analysis
from openimr.intake.requests import parse_request
from openimr.model import Assertion, Case, Fact
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack


def facts_of(text: str, kind: str) -> list[Fact]:
    facts = extract_facts(text)
    for f in facts:
        for ev in f.evidence:
            assert text[ev.start : ev.end] == ev.text
    return [f for f in facts if f.kind == kind]


def iso(value):
    """Dates as the JSON output writes them (facts hold dates; tests state them as text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def one(text: str, kind: str) -> Fact:
    found = facts_of(text, kind)
    assert found, f"no {kind} in {text!r}"
    return found[0]


# --- prior treatment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "modality", "count"),
    [
        ("Treatment to date includes 12 previous acupuncture treatments.", "acupuncture", 12),
        ("She has had acupuncture x12 to date.", "acupuncture", 12),
        ("The patient completed eight sessions of physical therapy.", "physical_therapy", 8),
        ("He has attended 6 PT visits so far.", "physical_therapy", 6),
        ("Prior treatment: chiropractic care, 24 visits.", "chiropractic", 24),
        ("The applicant has received 10 prior sessions of massage therapy.", "massage", 10),
        ("She has undergone physiotherapy x 18 in the past year.", "physical_therapy", 18),
        ("Previous treatments included medication management and acupuncture.", "acupuncture",
         None),
    ],
)  # fmt: skip
def test_prior_treatment_counts(text: str, modality: str, count: int | None) -> None:
    found = [f for f in facts_of(text, "prior_treatment") if f.value["modality"] == modality]
    assert found, text
    assert found[0].value["count"] == count
    assert found[0].assertion == Assertion.PRESENT


@pytest.mark.parametrize(
    ("text", "modality", "key", "expected"),
    [
        ("It was stated that she had had massage therapy for years.", "massage", "duration",
         "years"),
        ("He has already received an unspecified number of sessions of acupuncture.",
         "acupuncture", "count_text", "an unspecified number of"),
        ("She has had numerous chiropractic treatments.", "chiropractic", "count_text",
         "numerous"),
        ("Unspecified amounts of physical therapy over the life of the claim.",
         "physical_therapy", "duration", "over the life of the claim"),
        ("The patient has had multiple PT sessions since the injury.", "physical_therapy",
         "count_text", "multiple"),
    ],
)  # fmt: skip
def test_prior_treatment_unspecified(text, modality, key, expected) -> None:
    found = [f for f in facts_of(text, "prior_treatment") if f.value["modality"] == modality]
    assert found, text
    assert found[0].value[key] == expected
    assert found[0].value["count"] is None


@pytest.mark.parametrize(
    "text",
    [
        "The provider requests 6 sessions of acupuncture.",
        "Authorization for physical therapy 2x4 was requested.",
        "Physical therapy, electrodiagnostic testing, and Neurontin were sought.",
        "The plan is to start chiropractic care.",
        "She has never had acupuncture.",
        "Disputed treatments include physical therapy.",
    ],
)
def test_requested_or_negated_treatment_is_not_prior(text: str) -> None:
    assert facts_of(text, "prior_treatment") == []


# --- functional improvement ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "assertion", "domain"),
    [
        ("There is no documentation of functional benefit or improvement.", "negated",
         "general"),
        ("Acupuncture resulted in functional improvement.", "present", "general"),
        ("She reports increased ADLs after therapy.", "present", "activities_of_daily_living"),
        ("He noted improvement in activities of daily living.", "present",
         "activities_of_daily_living"),
        ("There was no reduction in work restrictions.", "negated", "work"),
        ("Therapy allowed a decrease in medication use.", "present", "medication"),
        ("Without objective functional improvement, more therapy is not supported.", "negated",
         "general"),
        ("It is unclear whether there was any functional improvement.", "uncertain", "general"),
        ("The patient returned to work after the sessions.", "present", "work"),
        ("The injured worker reports reduced need for medications.", "present", "medication"),
    ],
)  # fmt: skip
def test_functional_improvement(text: str, assertion: str, domain: str) -> None:
    fact = one(text, "functional_improvement")
    assert fact.assertion == assertion
    assert fact.value["domain"] == domain


def test_functional_improvement_negation_scope_spans_a_list() -> None:
    text = (
        "There is no documentation of functional benefit or improvement as a reduction in "
        "work restrictions; an increase in activity tolerance; and/or a reduction in the use "
        "of medications as a result of acupuncture treatments to date."
    )
    found = facts_of(text, "functional_improvement")
    assert {f.value["domain"] for f in found} == {
        "general",
        "work",
        "activities_of_daily_living",
        "medication",
    }
    assert all(f.assertion == Assertion.NEGATED for f in found)


def test_negation_scope_ends_at_but() -> None:
    text = "No change in pain, but she reports functional improvement."
    assert one(text, "functional_improvement").assertion == Assertion.PRESENT


# --- pain relief and pain score ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "percent", "duration"),
    [
        ("Acupuncture provides 20% pain relief for several days.", 20, "several days"),
        ("She reported 50 percent relief lasting 3 weeks.", 50, "3 weeks"),
        ("The ESI gave relief of approximately 70% for six weeks.", 70, "six weeks"),
        ("He notes a 30% reduction in pain.", 30, None),
        ("Massage helps her pain.", None, None),
        ("Pain relief of 60% x 2 months after the injection.", 60, "2 months"),
    ],
)
def test_pain_relief(text: str, percent: int | None, duration: str | None) -> None:
    fact = one(text, "pain_relief")
    assert fact.value["percent"] == percent
    assert fact.value["duration"] == duration


def test_pain_relief_from_to() -> None:
    fact = one("Her pain decreased from 8/10 to 4/10 with medication.", "pain_relief")
    assert (fact.value["from_score"], fact.value["to_score"]) == (8, 4)


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Pain level was 6 out of 10 on a visual analog scale.", 6),
        ("Pain is 7/10.", 7),
        ("She rates her pain at 5/10.", 5),
        ("Pain: 8/10 without medication.", 8),
        ("He reports 4/10 pain today.", 4),
    ],
)
def test_pain_score(text: str, score: int) -> None:
    assert one(text, "pain_score").value["score"] == score


# --- home exercise program -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("She does exercises at home.", "present"),
        ("He continues his home exercise program.", "present"),
        ("The patient is compliant with HEP.", "present"),
        ("She performs a self-directed home program daily.", "present"),
        ("He has been doing home stretching.", "present"),
        ("There is no home exercise program documented.", "negated"),
        ("It is unclear if she currently has a home exercise program.", "uncertain"),
        ("The patient does not perform a HEP.", "negated"),
        ("She will be instructed in a home exercise program.", "hypothetical"),
    ],
)
def test_home_exercise_program(text: str, assertion: str) -> None:
    assert one(text, "home_exercise_program").assertion == assertion


# --- work status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("It was stated that the applicant's work status was unavailable.", "unknown"),
        ("She is working full duty.", "full_duty"),
        ("He remains on modified duty.", "modified_duty"),
        ("The patient is temporarily totally disabled.", "off_work"),
        ("He is not working.", "off_work"),
        ("She has returned to work.", "working"),
        ("The applicant is permanent and stationary.", "permanent_and_stationary"),
        ("He is off work until the next visit.", "off_work"),
    ],
)
def test_work_status(text: str, status: str) -> None:
    fact = one(text, "work_status")
    assert fact.value["status"] == status
    assert fact.assertion == Assertion.PRESENT


# --- examination findings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "assertion", "result"),
    [
        ("Straight leg raise test was negative.", "negated", "negative"),
        ("SLR is positive on the left at 40 degrees.", "present", "positive"),
        ("Positive straight leg raise bilaterally.", "present", "positive"),
        ("Negative SLR bilaterally.", "negated", "negative"),
        ("She has radicular-like symptoms with straight leg raise.", "present", "positive"),
        ("Straight leg raise causes pain.", "present", "pain"),
        ("Straight-leg raising reproduces radicular pain into the right calf.", "present",
         "positive"),
    ],
)  # fmt: skip
def test_straight_leg_raise(text: str, assertion: str, result: str) -> None:
    fact = one(text, "straight_leg_raise")
    assert fact.assertion == assertion
    assert fact.value["result"] == result


@pytest.mark.parametrize(
    ("text", "kind", "assertion"),
    [
        ("DTRs were full and symmetrical.", "reflex_deficit", "negated"),
        ("Reflexes are diminished at the left ankle.", "reflex_deficit", "present"),
        ("Deep tendon reflexes are 2+ and symmetric.", "reflex_deficit", "negated"),
        ("Absent Achilles reflex on the right.", "reflex_deficit", "present"),
        ("Sensation and motor strength were normal.", "sensory_deficit", "negated"),
        ("Decreased sensation in the L5 dermatome.", "sensory_deficit", "present"),
        ("Normal sensation to light touch.", "sensory_deficit", "negated"),
        ("She reports numbness in the right foot.", "sensory_deficit", "present"),
        ("Sensation is intact.", "sensory_deficit", "negated"),
        ("Sensation and motor strength were normal.", "motor_deficit", "negated"),
        ("No obvious weakness.", "motor_deficit", "negated"),
        ("4/5 strength in the extensor hallucis longus.", "motor_deficit", "present"),
        ("Weakness of ankle dorsiflexion.", "motor_deficit", "present"),
        ("Motor strength is 5/5 throughout.", "motor_deficit", "negated"),
        ("There was tenderness with spasm noted.", "spasm", "present"),
        ("No paraspinal spasm.", "spasm", "present" if False else "negated"),
        ("Muscle spasms in the lumbar paravertebral muscles.", "spasm", "present"),
        ("Guarding is present.", "spasm", "present"),
        ("There is no evidence of muscle spasm.", "spasm", "negated"),
        ("Lumbar range of motion was limited due to pain.", "range_of_motion_limited", "present"),
        ("Decreased cervical range of motion.", "range_of_motion_limited", "present"),
        ("Her range of motion is good in the hips.", "range_of_motion_limited", "negated"),
        ("Full range of motion of the knee.", "range_of_motion_limited", "negated"),
        ("ROM is restricted in flexion.", "range_of_motion_limited", "present"),
    ],
)  # fmt: skip
def test_exam_findings(text: str, kind: str, assertion: str) -> None:
    assert one(text, kind).assertion == assertion


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("She has increasing lumbar radicular-like symptoms.", "present"),
        ("Exam shows no radicular signs.", "negated"),
        ("Pain radiating to the left leg.", "present"),
        ("Findings consistent with L5 radiculopathy.", "present"),
        ("There are no clear dermatomal deficits.", "negated"),
        ("Possible radiculopathy.", "uncertain"),
    ],
)
def test_radicular_findings(text: str, assertion: str) -> None:
    assert one(text, "radicular_findings").assertion == assertion


# --- imaging and electrodiagnostics --------------------------------------------------------


def test_imaging_finding_with_levels_date_and_severity() -> None:
    text = (
        "An earlier lumbar MRI of January 16, 2014 was notable for residuals of the earlier "
        "L5-S1 hemi laminectomy with associated severe disk height loss and "
        "moderate-to-severe spinal stenosis."
    )
    found = {f.value["finding"]: f for f in facts_of(text, "imaging_finding")}
    stenosis = found["stenosis"]
    assert stenosis.value["severity"] == "moderate-to-severe"
    assert stenosis.value["spinal_levels"] == ["L5-S1"]
    assert iso(stenosis.value["date"]) == "2014-01-16"
    assert stenosis.value["modality"] == "mri"


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("MRI of the lumbar spine shows a 4 mm disc protrusion at L4-5.", "disc_protrusion"),
        ("Lumbar MRI: L5-S1 disc herniation with nerve root compression.", "disc_herniation"),
        ("Cervical x-rays show degenerative changes at C5-6.", "degenerative"),
        ("MRI of the knee revealed a medial meniscus tear.", "tear"),
        ("A CT scan showed grade 1 spondylolisthesis at L4-L5.", "spondylolisthesis"),
    ],
)
def test_imaging_findings(text: str, finding: str) -> None:
    assert finding in {f.value["finding"] for f in facts_of(text, "imaging_finding")}


@pytest.mark.parametrize(
    ("text", "finding", "assertion"),
    [
        ("EMG/NCV showed left L5 radiculopathy.", "radiculopathy", "present"),
        ("Nerve conduction studies revealed carpal tunnel syndrome.", "neuropathy", "present"),
        ("EMG was negative for radiculopathy.", "radiculopathy", "negated"),
        ("Electrodiagnostic testing showed no evidence of radiculopathy.", "radiculopathy",
         "negated"),
        ("NCV findings suggestive of peripheral neuropathy.", "neuropathy", "present"),
    ],
)  # fmt: skip
def test_electrodiagnostic_findings(text: str, finding: str, assertion: str) -> None:
    fact = one(text, "electrodiagnostic_finding")
    assert fact.value["finding"] == finding
    assert fact.assertion == assertion


def test_disc_protrusion_without_a_study_is_not_imaging() -> None:
    assert facts_of("Diagnoses include lumbar disc protrusion.", "imaging_finding") == []


# --- flare-up, homebound, neuropathic pain, GI risk -----------------------------------------


@pytest.mark.parametrize(
    ("text", "assertion", "type_"),
    [
        ("She has had a little bit of a flare-up of her low back.", "present", "flare_up"),
        ("There is no report of acute flare-up or new injuries.", "negated", "flare_up"),
        ("He reports an exacerbation of neck pain.", "present", "flare_up"),
        ("She sustained a new injury at home.", "present", "new_injury"),
        ("No new injury was reported.", "negated", "new_injury"),
        ("The pain flared up last week.", "present", "flare_up"),
    ],
)
def test_flare_up(text: str, assertion: str, type_: str) -> None:
    fact = one(text, "flare_up")
    assert fact.assertion == assertion
    assert fact.value["type"] == type_


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("The patient is homebound.", "present"),
        ("She is not homebound.", "negated"),
        ("He is confined to the home after surgery.", "present"),
        ("She is bedbound.", "present"),
        ("There is no documentation that the patient is homebound.", "negated"),
    ],
)
def test_homebound(text: str, assertion: str) -> None:
    assert one(text, "homebound").assertion == assertion


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("She has neuropathic pain in the left leg.", "present"),
        ("Diagnoses include CRPS of the right hand.", "present"),
        ("Burning pain in the feet.", "present"),
        ("There is no evidence of neuropathic pain.", "negated"),
        ("Possible peripheral neuropathy.", "uncertain"),
    ],
)
def test_neuropathic_pain(text: str, assertion: str) -> None:
    assert one(text, "neuropathic_pain").assertion == assertion


@pytest.mark.parametrize(
    ("text", "factor", "assertion"),
    [
        ("She has a history of GI bleeding.", "gi_bleed", "historical"),
        ("He has a peptic ulcer.", "peptic_ulcer", "present"),
        ("She takes aspirin daily.", "anticoagulant_or_aspirin", "present"),
        ("He complains of dyspepsia with NSAIDs.", "dyspepsia", "present"),
        ("No history of GI bleeding or ulcers.", "gi_bleed", "negated"),
        ("She is on warfarin.", "anticoagulant_or_aspirin", "present"),
        ("There are no GI risk factors such as GERD.", "dyspepsia", "negated"),
    ],
)
def test_gi_risk_factor(text: str, factor: str, assertion: str) -> None:
    fact = one(text, "gi_risk_factor")
    assert fact.value["factor"] == factor
    assert fact.assertion == assertion


# --- opioids: medications, MED, monitoring -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "med_mg"),
    [
        ("Medications include Norco 10/325 mg q6h.", "Norco", 40.0),
        ("She takes oxycodone 10 mg every 8 hours.", "oxycodone", 45.0),
        ("Tramadol 50mg bid for pain.", "Tramadol", 10.0),
        ("Percocet 5/325 one tab TID.", "Percocet", 22.5),
        ("MS Contin 30 mg twice daily.", "MS Contin", 60.0),
        ("Norco 10/325 as needed.", "Norco", None),
        ("Norco 10/325 mg three times daily.", "Norco", 30.0),
        ("Oxycodone 5 mg 4 times per day.", "Oxycodone", 30.0),
        ("Tramadol 50 mg two times daily.", "Tramadol", 10.0),
    ],
)
def test_opioid_med(text: str, name: str, med_mg: float | None) -> None:
    fact = one(text, "medication")
    assert fact.value["name"] == name
    assert fact.value["kind"] == "opioid"
    assert fact.value["med_mg"] == med_mg


def test_each_opioid_carries_its_daily_morphine_equivalent() -> None:
    # The total over drugs is the pack's (answered_by: daily_morphine_equivalent), once.
    text = "Current medications: Norco 10/325 q6h, OxyContin 20 mg q12h, and ibuprofen 800 mg."
    doses = {f.value["name"]: f.value["med_mg"] for f in facts_of(text, "medication")}
    assert doses["Norco"] + doses["OxyContin"] == 100.0
    assert doses["ibuprofen"] is None


@pytest.mark.parametrize(
    ("text", "kind", "generic"),
    [
        ("Medications include Lidoderm patches.", "lidocaine_patch", "lidocaine"),
        ("She takes gabapentin 300 mg three times a day.", "gabapentinoid", "gabapentin"),
        ("Omeprazole 20 mg daily.", "proton_pump_inhibitor", "omeprazole"),
        ("Flexeril 10 mg at bedtime.", "muscle_relaxant", "cyclobenzaprine"),
        ("Naproxen 550 mg bid.", "nsaid", "naproxen"),
    ],
)
def test_medications(text: str, kind: str, generic: str) -> None:
    fact = one(text, "medication")
    assert (fact.value["kind"], fact.value["generic"]) == (kind, generic)


@pytest.mark.parametrize(
    ("text", "kind", "assertion"),
    [
        ("A urine drug screen on 3/1/14 was consistent.", "urine_drug_screen", "present"),
        ("UDS was inconsistent with prescribed medications.", "urine_drug_screen", "present"),
        ("No urine drug screens were documented.", "urine_drug_screen", "negated"),
        ("A CURES report was reviewed and appropriate.", "cures_check", "present"),
        ("There is no CURES check on file.", "cures_check", "negated"),
        ("She signed an opioid agreement.", "opioid_agreement", "present"),
        ("A pain contract is on file.", "opioid_agreement", "present"),
        ("No aberrant behavior was noted.", "aberrant_behavior", "negated"),
        ("He requested early refills twice.", "aberrant_behavior", "present"),
        ("There is no evidence of drug-seeking behavior.", "aberrant_behavior", "negated"),
    ],
)
def test_opioid_monitoring(text: str, kind: str, assertion: str) -> None:
    assert one(text, kind).assertion == assertion


def test_urine_drug_screen_result() -> None:
    fact = one("UDS was inconsistent with prescribed medications.", "urine_drug_screen")
    assert fact.value["result"] == "inconsistent"


# --- surgery, diagnoses, regions, UR history -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "procedure", "date", "levels"),
    [
        ("Treatment has included L5-S1 hemilaminotomy and microdiscectomy (6/2/11).",
         "microdiscectomy", "2011-06-02", ["L5-S1"]),
        ("Status post earlier lumbar microdiskectomy at L5-S1.", "microdiskectomy", None,
         ["L5-S1"]),
        ("She underwent a C5-6 fusion on March 3, 2012.", "fusion", "2012-03-03", ["C5-C6"]),
        ("He had right knee arthroscopy in 2013.", "arthroscopy", None, []),
        ("Carpal tunnel release on 4/5/2012.", "Carpal tunnel release", "2012-04-05", []),
    ],
)  # fmt: skip
def test_surgery(text: str, procedure: str, date: str | None, levels: list[str]) -> None:
    found = {f.value["procedure"]: f for f in facts_of(text, "surgery")}
    fact = found[procedure]
    assert iso(fact.value["date"]) == date
    assert fact.value["spinal_levels"] == levels
    assert fact.assertion == Assertion.PRESENT


@pytest.mark.parametrize(
    ("text", "diagnoses"),
    [
        ("Current diagnoses include cervical disc protrusion, cervical pain, and lumbar "
         "radiculopathy.", ["cervical disc protrusion", "cervical pain", "lumbar radiculopathy"]),
        ("current diagnoses (cervical disc disorder and cervical facet syndrome)",
         ["cervical disc disorder", "cervical facet syndrome"]),
        ("who has filed a claim for chronic low back pain reportedly associated with an "
         "industrial injury", ["chronic low back pain"]),
        ("She was diagnosed with right carpal tunnel syndrome.",
         ["right carpal tunnel syndrome"]),
        ("Diagnosis: lumbar strain.", ["lumbar strain"]),
    ],
)  # fmt: skip
def test_diagnoses(text: str, diagnoses: list[str]) -> None:
    assert [f.value["text"] for f in facts_of(text, "diagnosis")] == diagnoses


def test_principal_regions_from_diagnoses_then_mentions() -> None:
    assert principal_regions(extract_facts("Diagnoses: cervical strain. Low back ok.")) == [
        "cervical"
    ]
    assert principal_regions(extract_facts("Neck pain. Neck stiffness. Knee pain.")) == ["cervical"]


@pytest.mark.parametrize(
    ("text", "date", "action", "what"),
    [
        ("Utilization review from March 11, 2014 denied the request for acupuncture because "
         "guidelines limit visits.", "2014-03-11", "denied", "acupuncture"),
        ("In a February 3, 2014 Utilization Review Report, the claims administrator denied a "
         "request for four sessions of massage therapy.", "2014-02-03", "denied",
         "four sessions of massage therapy"),
        ("UR on 5/1/2014 modified the request for 12 PT visits to 6.", "2014-05-01",
         "modified", "12 PT visits to 6"),
        ("The request for an MRI was non-certified by utilization review on 6/3/13.",
         "2013-06-03", "non-certified", "an MRI"),
        ("On 1/2/2015 the claims administrator non-certified the request for Norco.",
         "2015-01-02", "non-certified", "Norco"),
    ],
)  # fmt: skip
def test_ur_history(text: str, date: str, action: str, what: str) -> None:
    fact = one(text, "ur_history")
    assert (iso(fact.value["date"]), fact.value["action"], fact.value["what"]) == (
        date,
        action,
        what,
    )


def test_ur_history_reason() -> None:
    text = (
        "Utilization review on 3/11/14 denied the request for massage because guidelines "
        "limit massage to 4-6 visits."
    )
    assert one(text, "ur_history").value["reason"] == "guidelines limit massage to 4-6 visits"


# --- the seeds -----------------------------------------------------------------------------


def _seed(seed_texts: dict[str, str], key: str) -> tuple[str, list[Fact]]:
    text = repair_text(seed_texts[key])
    return text, extract_facts(text)


def _has(facts: list[Fact], kind: str, assertion: str = "present", **value) -> bool:
    return any(
        f.kind == kind
        and f.assertion == assertion
        and all(iso(f.value.get(k)) == v for k, v in value.items())
        for f in facts
    )


def test_every_seed_fact_quotes_its_source_exactly(seed_texts) -> None:
    for key in seed_texts:
        text, facts = _seed(seed_texts, key)
        assert facts
        for fact in facts:
            assert fact.evidence or fact.kind == "functional_improvement_status"
            for ev in fact.evidence:
                assert text[ev.start : ev.end] == ev.text, (key, fact.kind)


def test_seed_000(seed_texts) -> None:
    _, facts = _seed(seed_texts, "000")
    assert _has(facts, "prior_treatment", modality="acupuncture")
    assert _has(facts, "prior_treatment", modality="massage")
    assert _has(facts, "straight_leg_raise", "negated", result="negative")
    assert _has(facts, "surgery", procedure="microdiscectomy", date="2011-06-02")
    assert _has(facts, "ur_history", date="2014-03-11", action="denied")


def test_seed_001(seed_texts) -> None:
    _, facts = _seed(seed_texts, "001")
    assert _has(facts, "prior_treatment", modality="acupuncture", count=12)
    assert _has(facts, "functional_improvement", "negated", domain="general")
    assert _has(facts, "pain_relief", percent=20, duration="several days")
    assert principal_regions(facts) == ["cervical"]


def test_seed_002(seed_texts) -> None:
    _, facts = _seed(seed_texts, "002")
    assert _has(facts, "home_exercise_program")
    assert _has(facts, "radicular_findings")
    assert _has(facts, "straight_leg_raise", result="positive")
    assert _has(facts, "flare_up", type="flare_up")


def test_seed_003(seed_texts) -> None:
    _, facts = _seed(seed_texts, "003")
    assert _has(facts, "prior_treatment", modality="massage", duration="years")
    assert _has(facts, "surgery", procedure="microdiskectomy", spinal_levels=["L5-S1"])
    assert _has(facts, "imaging_finding", finding="stenosis", spinal_levels=["L5-S1"])
    assert _has(facts, "work_status", status="unknown")
    assert principal_regions(facts) == ["lumbar"]


def test_seed_004(seed_texts) -> None:
    _, facts = _seed(seed_texts, "004")
    assert _has(facts, "prior_treatment", modality="acupuncture")
    assert _has(facts, "prior_treatment", modality="physical_therapy")
    assert _has(facts, "pain_score", score=6)


# --- more opioid-monitoring phrasings ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("Urine toxicology screen dated 2/2/14 was appropriate.", "present"),
        ("A UDT was performed today.", "present"),
        ("There are no recent urine drug tests.", "negated"),
        ("Drug screen results were consistent with prescribed medication.", "present"),
        ("The last urine drug screen was not documented.", "negated"),
    ],
)
def test_urine_drug_screen(text: str, assertion: str) -> None:
    assert one(text, "urine_drug_screen").assertion == assertion


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("CURES report reviewed; consistent.", "present"),
        ("PDMP was checked on 5/5/15.", "present"),
        ("No CURES report is documented.", "negated"),
        ("The prescription drug monitoring program was queried.", "present"),
        ("There is no PDMP check.", "negated"),
    ],
)
def test_cures_check(text: str, assertion: str) -> None:
    assert one(text, "cures_check").assertion == assertion


def test_cures_is_not_the_verb() -> None:
    assert facts_of("Rest cures most sprains.", "cures_check") == []


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("An opioid agreement is on file.", "present"),
        ("She signed a narcotic contract in 2013.", "present"),
        ("There is no signed opioid treatment agreement.", "negated"),
        ("A pain management agreement was signed.", "present"),
        ("No medication contract was documented.", "negated"),
    ],
)
def test_opioid_agreement(text: str, assertion: str) -> None:
    assert one(text, "opioid_agreement").assertion == assertion


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("There is no evidence of aberrant drug-taking behavior.", "negated"),
        ("He reported lost prescriptions twice this year.", "present"),
        ("Concern for diversion was raised.", "present"),
        ("No signs of misuse or abuse.", "negated"),
        ("Doctor shopping was identified on CURES.", "present"),
    ],
)
def test_aberrant_behavior(text: str, assertion: str) -> None:
    assert one(text, "aberrant_behavior").assertion == assertion


# --- body regions, time since injury, case-level status, robustness ------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Complains of low back pain.", "lumbar"),
        ("Neck pain radiating to the shoulder.", "cervical"),
        ("Tenderness over the lumbar paravertebral area.", "lumbar"),
        ("Right knee effusion.", "knee"),
        ("C5-6 disc protrusion.", "cervical"),
        ("Mid back stiffness.", "thoracic"),
    ],
)
def test_body_regions(text: str, region: str) -> None:
    assert region in {f.value["region"] for f in facts_of(text, "body_region")}


def test_case_level_facts() -> None:
    from openimr.intake.facts import case_level_facts

    text = "A 70-year-old female with date of injury 1/1/2010. She has had functional benefit."
    facts = extract_facts(text)
    extra = {f.kind: f for f in case_level_facts(facts)}
    assert extra["functional_improvement_status"].value["status"] == "present"
    # Intake reads facts; what they mean for a guideline (age over 65 as a GI risk, time
    # since injury to the decision date) is the pack's to answer, once.
    assert set(extra) == {"functional_improvement_status"}
    assert {f.kind for f in facts} >= {"age", "date_of_injury"}
    none = {f.kind: f for f in case_level_facts(extract_facts("Neck pain."))}
    assert none["functional_improvement_status"].value["status"] == "not_mentioned"


def test_output_is_deterministic() -> None:
    text = "She has had 12 PT visits. No HEP. Norco 10/325 q6h. SLR negative."
    first = [f.model_dump() for f in extract_facts(text)]
    assert [f.model_dump() for f in extract_facts(text)] == first


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes_and_offsets_hold(text: str) -> None:
    for fact in extract_facts(text):
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text


_PIECES = st.sampled_from(
    ["no", "not", " ", ".", "\n\n", "PT", "x12", "acupuncture", "sessions", "SLR", "negative",
     "L4-5", "MRI", "stenosis", "Norco", "10/325", "q6h", "HEP", "denied", "request for",
     "UR", "3/5/13", "%", "50", "relief", "for", "years", "functional", "improvement"]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(_PIECES, max_size=40).map(" ".join))
def test_never_crashes_on_near_miss_phrases(text: str) -> None:
    for fact in extract_facts(text):
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text


def test_surgery_with_only_a_year() -> None:
    fact = one("He had a lumbar fusion at L4-5 in 2009.", "surgery")
    assert (fact.value["date"], fact.value["year"]) == (None, 2009)


def test_no_prior_surgery_is_negated() -> None:
    assert one("No prior surgery.", "surgery").assertion == Assertion.NEGATED


def test_unremarkable_study_is_a_normal_finding() -> None:
    fact = one("MRI of the cervical spine dated 5/5/2013 was unremarkable.", "imaging_finding")
    assert fact.value["finding"] == "normal"
    assert fact.value["regions"] == ["cervical"]


def test_completed_of_authorized_counts_what_was_received() -> None:
    fact = one("The patient has completed 6 of 12 authorized PT visits.", "prior_treatment")
    assert fact.value["count"] == 6


@pytest.mark.parametrize(
    "text",
    [
        "His physician asked for six sessions of massage therapy.",
        "Utilization review denied 8 sessions of physical therapy on 3/3/2014.",
        "The request for 12 chiropractic visits was non-certified.",
        "UR modified the request to 6 acupuncture sessions.",
        "The claims administrator denied 6 sessions of acupuncture.",
        "The physician feels myofascial release would help; she already exercises at home.",
        "Her doctor would like to try acupuncture, as she has already tried medications.",
    ],
)
def test_requested_or_denied_treatment_is_not_prior_treatment(text: str) -> None:
    proposed = {"massage", "acupuncture", "physical_therapy", "chiropractic"}
    assert not [
        f
        for f in extract_facts(text)
        if f.kind == "prior_treatment" and (f.value["count"] or f.value["modality"] in proposed)
    ]


@pytest.mark.parametrize(
    ("text", "assertion"),
    [
        ("No side effects from the medication.", Assertion.NEGATED),
        ("He denies constipation or sedation.", Assertion.NEGATED),
        ("She reports nausea with Norco.", Assertion.PRESENT),
        ("Medication side-effects were reviewed.", Assertion.PRESENT),
        ("He has some drowsiness in the morning.", Assertion.PRESENT),
    ],
)
def test_adverse_effects(text: str, assertion: Assertion) -> None:
    found = [f for f in extract_facts(text) if f.kind == "adverse_effects"]
    assert found and found[0].assertion is assertion


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Dx: lumbar radiculopathy, myalgia.", 2),
        ("Dx - cervical strain.", 1),
        ("He was referred to a functional restoration program.", 0),
    ],
)
def test_dx_and_programme_names(text: str, count: int) -> None:
    facts = extract_facts(text)
    assert len([f for f in facts if f.kind == "diagnosis"]) == count
    assert not [f for f in facts if f.kind == "functional_improvement"]


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("MRI cervical spine, 3/2/2014. Impression: C6-7 disc protrusion.", "mri"),
        ("Lumbar CT scan. Findings: severe canal stenosis at L4-5.", "ct_scan"),
        ("EMG/NCV of the legs. Interpretation: chronic L5 radiculopathy.", "emg_ncv"),
    ],
)
def test_report_sections_belong_to_the_study_named_before(text: str, modality: str) -> None:
    found = [f for f in extract_facts(text) if f.kind.endswith("_finding")]
    assert found and found[0].value["modality"] == modality


def test_a_finding_in_a_diagnosis_list_is_not_imaging() -> None:
    text = "An MRI was requested. Diagnoses include lumbar disc protrusion."
    assert not [f for f in extract_facts(text) if f.kind == "imaging_finding"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Referral to neurology to rule out peripheral neuropathy.", "uncertain_diagnosis"),
        ("The etiology of her hand numbness remains unclear.", "uncertain_diagnosis"),
        ("He reports depression and anxiety since the injury.", "psychosocial"),
        ("Pain management consultation for medication management.", "expertise"),
        ("Orthopedic referral for a second opinion.", "expertise"),
    ],
)
def test_referral_reasons(text: str, reason: str) -> None:
    found = [f for f in extract_facts(text) if f.kind == "referral_reason"]
    assert reason in [f.value["reason"] for f in found if f.assertion is Assertion.PRESENT]


@pytest.mark.parametrize(
    ("text", "flag", "assertion"),
    [
        ("He denies bowel or bladder dysfunction.", "cauda_equina", Assertion.NEGATED),
        ("New urinary retention since Monday.", "cauda_equina", Assertion.PRESENT),
        ("Progressive weakness of the left leg.", "progressive_deficit", Assertion.PRESENT),
        ("No history of cancer.", "tumour", Assertion.NEGATED),
        ("X-rays showed no fracture.", "fracture", Assertion.NEGATED),
    ],
)
def test_red_flags(text: str, flag: str, assertion: Assertion) -> None:
    found = [f for f in extract_facts(text) if f.kind == "red_flag"]
    assert found and found[0].value["flag"] == flag and found[0].assertion is assertion


@pytest.mark.parametrize(
    ("text", "weeks", "since"),
    [
        ("She has taken Xanax 1 mg daily for over a year.", 52.2, None),
        ("Ambien 10mg nightly for the past 6 months.", 26.1, None),
        ("Flexeril has been used continuously since 2013.", None, "2013-01-01"),
        ("Soma since 03/01/2014.", None, "2014-03-01"),
        ("Norco 10/325 tid.", None, None),
    ],
)
def test_how_long_a_medication_has_been_taken(text: str, weeks, since) -> None:
    (medication,) = [f for f in extract_facts(text) if f.kind == "medication"]
    assert (medication.value["duration_weeks"], iso(medication.value["since"])) == (weeks, since)


# --- long texts (issue 8): the fast paths read what medspaCy's own components read ---------

# Words ConText reads (rules/context.yaml), words our rules target, and what splits or joins
# sentences; composed at random, they put modifiers, scopes, terminations and targets in
# every arrangement, across sentence ends too.
PIECES = [
    "no", "not", "denies", "without", "negative", "normal", "history of", "possible",
    "if", "but", "however", "absent", "unable to", "was normal", "status post", "prior",
    "acupuncture", "12 visits", "physical therapy", "Norco 10/325 mg", "surgery", "L4-5",
    "fusion", "SLR", "weakness", "MRI", "disc protrusion", "pain relief", "50% relief",
    "7/10", "numbness", "home exercise program", "TENS", "x6", "sessions", "and", "the",
    ".", ",", ";", ":", "\n", "\n\n", "Dr.", "Mr.", "(", ")", "1.", "-", "Patient",
]  # fmt: skip


@cache
def _stock_pipeline():
    """PyRuSH and ConText as medspaCy's pipeline components run them (issue 8's slow way)."""
    import spacy

    from openimr.intake.facts import nlp

    nlp.pipeline()  # medspaCy's factories, registered
    stock = spacy.blank("en")
    stock.add_pipe("medspacy_pyrush")
    config = {"rules": None, "input_span_type": "group", "span_group_name": "stock"}
    stock.add_pipe("medspacy_context", config={**config, "span_attrs": None}).add(
        nlp.context_rule_objects()
    )
    return stock


def _stock_reading(text: str, targets: list) -> tuple[list, dict]:
    """Sentences and each target's modifiers (category, token span) by the components."""
    import warnings

    from openimr.intake.facts.nlp import nlp_text

    stock = _stock_pipeline()
    doc = stock.get_pipe("medspacy_pyrush")(stock.make_doc(nlp_text(text)))
    spans, index = [], {}
    for t in targets:
        span = doc.char_span(t.start, t.end, label=t.label, alignment_mode="expand")
        if span is not None and len(span):
            index[t] = len(spans)
            spans.append(span)
    doc.spans["stock"] = spans
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        stock.get_pipe("medspacy_context")(doc)
    sentences = [(s.start_char, s.end_char) for s in doc.sents]
    modifiers = {
        t: [(m.category, *m.modifier_span) for m in spans[i]._.modifiers] for t, i in index.items()
    }
    return sentences, modifiers


def _targets_of(text: str) -> list:
    """The targets extract_facts gives ConText for a text."""
    from unittest import mock

    from openimr.intake.facts import extract

    seen = []

    class Recording(extract.Analysis):
        def __init__(self, text, targets) -> None:
            seen.append(list(targets))
            super().__init__(text, targets)

    with mock.patch.object(extract, "Analysis", Recording):
        extract_facts(text)
    return seen[0] if seen else []


def _assert_reads_as_stock(text: str) -> None:
    """The driver gives what the components give, once our clause bounds (which the
    components do not have) are set aside."""
    from unittest import mock

    from openimr.intake.facts import nlp

    _plain_rush()  # the sentence prefilter built, so that it is what is compared
    targets = _targets_of(text)
    if not targets:
        return
    sentences, modifiers = _stock_reading(text, targets)
    with mock.patch.object(nlp._Clauses, "clip", lambda self, d, s, e, scope, *_: scope):
        analysis = nlp.Analysis(text, targets)
    assert analysis.sentences == sentences
    for t in targets:
        assert analysis.modifiers(t) == modifiers.get(t, []), (t, text[t.start : t.end])


def test_sentences_and_assertions_are_the_components_own_on_the_seeds(seed_texts) -> None:
    for text in seed_texts.values():
        _assert_reads_as_stock(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120).map(" ".join))
def test_sentences_and_assertions_are_the_components_own_on_any_arrangement(text) -> None:
    _assert_reads_as_stock(text)


@cache
def _plain_rush():
    from PyRuSH.RuSH import RuSH

    from openimr.intake.facts import nlp

    component = nlp.pipeline().get_pipe("medspacy_pyrush")
    component.rush.fastner.process.build()  # as after the first 5,000 characters
    return component, RuSH(rules=component.rules_path, max_repeat=component.rush.fastner.max_repeat)


def _rush_matches(rush, text: str) -> dict:
    found: dict = {"stbegin": [], "stend": []}
    rush.fastner.process(text, 0, found)
    return {k: [(s.begin, s.end, s.rule_id, s.score) for s in v] for k, v in found.items()}


def test_the_sentence_prefilter_is_in_use() -> None:
    """If this fails after an upgrade of PyFastNER, compare its walk again (the tests
    below) and add the version to rush.VERIFIED: without it every character is walked."""
    component, _ = _plain_rush()
    assert component.rush.fastner.process.starts is not None


RUSH_ALPHABET = [
    *"abzAQZ09 .,;:!?()[]*+-/%'\"\n\r\t",
    "\xa0", "é", "É", "²", "\u2028", "\x1c", "ß", "mg", "Dr.", "Mr. ", " Med\n", "\n\n", "  ",
    "e.g.", "1)", "A.", "i.e. ", "U.S.",
]  # fmt: skip
# No backslash: PyFastNER's own matches on a text with one change from call to call (it reads
# it as its escape character), so the pipeline never hands it one (nlp.nlp_text).


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RUSH_ALPHABET), max_size=200).map("".join))
def test_sentence_rules_match_where_pyrush_matches_on_any_text(text) -> None:
    component, plain = _plain_rush()
    assert _rush_matches(component.rush, text) == _rush_matches(plain, text)


def test_sentence_rules_that_need_the_start_of_the_text_match_only_there() -> None:
    """PyRuSH's rules that begin with its start-of-text wildcard match at position 0
    only: the prefilter tries them there and nowhere else, as PyRuSH's walk does."""
    component, plain = _plain_rush()
    for text in [
        "Patient seen today. MRI L4-5 shows a bulge.",
        "  Patient seen today (A) MRI.",
        "(A) 12 visits. (B) Neck pain.",
        "\n3 PT visits. 4 more. Dr. Q saw her.",
        "12 visits of PT; 6 more requested. L5-S1.",
    ]:
        assert _rush_matches(component.rush, text) == _rush_matches(plain, text)
        starts = component.rush.fastner.process.positions(text)
        assert len(starts) < len(text) // 2  # capitals and digits are not all tried


def test_sentence_rules_match_where_pyrush_matches_on_the_seeds(seed_letters) -> None:
    component, plain = _plain_rush()
    for letter in seed_letters.values():
        assert _rush_matches(component.rush, letter) == _rush_matches(plain, letter)
        fast = [(s.begin, s.end) for s in component.rush.segToSentenceSpans(letter)]
        assert fast == [(s.begin, s.end) for s in plain.segToSentenceSpans(letter)]


def test_a_text_longer_than_spacys_max_length_is_read(monkeypatch) -> None:
    """spaCy refuses texts over nlp.max_length (E088, 1,000,000 characters); we never run
    its parser, the limit's reason, so a 1 MB case is read (here with the limit lowered)."""
    from openimr.intake.facts import nlp

    monkeypatch.setattr(nlp.pipeline(), "max_length", 100)
    text = "She completed 12 sessions of physical therapy. She denies numbness. " * 5
    assert len(text) > 100
    counts = [f for f in facts_of(text, "prior_treatment") if f.value["count"] == 12]
    assert counts


def test_sentence_of_finds_the_sentence_of_an_offset() -> None:
    from openimr.intake.facts.nlp import Analysis

    text = "No pain today. She has had 6 visits of acupuncture.\n\nPlan: continue."
    analysis = Analysis(text, [])
    for start, end in analysis.sentences:
        for offset in range(start, end):
            assert analysis.sentence_of(offset) == (start, end)
    assert analysis.sentence_of(len(text) + 5) == (0, len(text))


def _services_one_by_one(text: str) -> list:
    """Lexicon.find_services as it was: every match against every hit taken before."""
    from openimr.intake.lexicon import Hit, lexicon

    taken: list = []
    for kind, regex in lexicon().services:
        for m in regex.finditer(text):
            if not any(m.start() < h.end and h.start < m.end() for h in taken):
                taken.append(Hit(m.start(), m.end(), kind, m.group()))
    return sorted(taken)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, "epidural steroid injection", "ESI", "PT"]),
                max_size=40).map(" ".join))  # fmt: skip
def test_services_found_as_before(text) -> None:
    from openimr.intake.lexicon import lexicon

    assert lexicon().find_services(text) == _services_one_by_one(text)


@pytest.mark.parametrize(
    ("text", "kind", "assertion"),
    [
        # A negation ends with its clause: a semicolon, or a comma or conjunction opening a
        # clause that states something of its own.
        ("Denies numbness; reports weakness in the left leg at 4/5.", "motor_deficit", "present"),
        ("No bowel or bladder change, positive straight leg raise on the left.",
         "straight_leg_raise", "present"),
        ("He denies fever and reports that straight leg raise is positive.",
         "straight_leg_raise", "present"),
        ("She walks without assistance and muscle spasm is noted.", "spasm", "present"),
        # A full stop with no space after it still ends the sentence.
        ("No fever.Positive straight leg raise on the right.", "straight_leg_raise", "present"),
        # A list under one negation stays negated.
        ("She denies fever, chills or saddle anesthesia.", "red_flag", "negated"),
        ("There is no documentation of reduced work restrictions; an increase in activity "
         "tolerance; or a reduction in medication use.", "functional_improvement", "negated"),
    ],
)  # fmt: skip
def test_assertions_are_bounded_by_their_clause(text: str, kind: str, assertion: str) -> None:
    found = facts_of(text, kind)
    assert found and all(f.assertion == assertion for f in found), [
        (f.assertion, [e.text for e in f.evidence]) for f in found
    ]


@pytest.mark.parametrize(
    "quoted",
    [
        "He said he would 'consider surgery' if the scan showed a lesion.",
        'He said he would "consider surgery" if the scan showed a lesion.',
        "He said he would \u201cconsider surgery\u201d if the scan showed a lesion.",
        "He said he would \u2018consider surgery\u2019 if the scan showed a lesion.",
        "He said he would `consider surgery` if the scan showed a lesion.",
    ],
)
def test_quotation_marks_do_not_hide_a_statement(quoted: str) -> None:
    # A record quoting the note states what the note states; the evidence still quotes the
    # original characters at the original offsets (facts_of checks them).
    plain = "He said he would consider surgery if the scan showed a lesion."
    expected = [(f.kind, f.value, f.assertion) for f in facts_of(plain, "surgery_consideration")]
    assert expected, "the plain statement itself must be read"
    assert [(f.kind, f.value, f.assertion) for f in facts_of(quoted, "surgery_consideration")] == (
        expected
    )


def test_apostrophes_inside_words_are_kept() -> None:
    # "doesn't" is a negation: blanking its apostrophe would lose it.
    (fact,) = facts_of("She doesn't want surgery.", "surgery_consideration")
    assert fact.value.status == "declined"


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # a trigger right after "and" heads a predicate of its own: what came before is not
        # requested
        ("He is close to maximum medical improvement and requested an FCE.", "mmi_status",
         "present"),
        ("She completed 6 PT visits and requested acupuncture.", "prior_treatment", "present"),
        # a trigger after what it modifies still reaches back over it
        ("Acupuncture x6 requested.", "prior_treatment", None),
    ],
)  # fmt: skip
def test_a_request_after_a_conjunction_does_not_reach_back(text, kind, expected) -> None:
    found = [f.assertion.value for f in facts_of(text, kind)]
    assert found[:1] == ([expected] if expected else [])


@pytest.mark.parametrize(
    "text",
    [
        "Surgeon RFA 5/21/2014: (1) post-op PT 2x6 R shoulder; (2) cold therapy unit x 30 days.",
        "Requests: (1) physical therapy x8; (2) cold therapy unit rental; (3) TENS unit.",
        "RFA: 1) acupuncture x6. 2) cold therapy unit. UR 6/1/2014: non-certified.",
    ],
)
def test_what_a_request_heading_lists_is_not_treatment_had(text: str) -> None:
    had = [f.value.modality for f in facts_of(text, "prior_treatment")
           if f.assertion == Assertion.PRESENT]  # fmt: skip
    assert had == []


@pytest.mark.parametrize(
    "text",
    [
        "The following treatment was requested; physical therapy 2 times a week for 4 weeks.",
        "Two items were requested; acupuncture x6 and a TENS unit.",
    ],
)
def test_a_request_before_a_semicolon_governs_the_list_after_it(text: str) -> None:
    assert facts_of(text, "prior_treatment") == []


def test_a_semicolon_still_ends_a_request_that_has_its_object() -> None:
    text = "An MRI was requested for the knee; she completed 6 sessions of physical therapy."
    had = [f.value for f in facts_of(text, "prior_treatment") if f.assertion == Assertion.PRESENT]
    assert [(v.modality, v.count) for v in had] == [("physical_therapy", 6)]


def test_a_request_section_ends_at_the_next_heading() -> None:
    text = "Requests: (1) acupuncture x6. Treatment to date: she completed 8 PT visits."
    had = [f.value for f in facts_of(text, "prior_treatment") if f.assertion == Assertion.PRESENT]
    assert [(v.modality, v.count) for v in had] == [("physical_therapy", 8)]


@pytest.mark.parametrize(
    ("text", "rf"),
    [
        ("Surgeon RFA 5/21/2014: post-op PT 2x6.", False),
        ("The PTP's RFA dated 3/2/2015 asks for an MRI.", False),
        ("The RFA (request for authorization) dated 12/2/2016 asked for an MRI.", False),
        ("A request for authorization (RFA) asked for an MRI.", False),
        ("She had bilateral L4-5 RFA in 2013 with 60% relief.", True),
    ],
)
def test_rfa_is_a_request_for_authorization_unless_it_names_a_procedure(text, rf) -> None:
    rf_kind = "radiofrequency_neurotomy"
    found = [
        f
        for f in extract_facts(text)
        if (f.kind == "prior_treatment" and f.value.modality == rf_kind)
        or (f.kind == "injection" and f.value.injection == rf_kind)
    ]
    assert bool(found) is rf


def test_range_of_motion_in_degrees_is_no_count_of_sessions() -> None:
    text = "Exam: flex 70 deg, abd 60 deg, in a sling; 0 post-op PT sessions to date."
    counts = [f.value.count for f in facts_of(text, "prior_treatment")]
    assert 70 not in counts


def test_a_backslash_does_not_make_sentences_change_between_runs() -> None:
    text = "x \\n\n\n Mr. \n\nPain 7/10 w\\o meds. Mr. Lee walks."
    runs = {tuple(Analysis(text, []).sentences) for _ in range(6)}
    assert len(runs) == 1


@pytest.mark.parametrize(
    "text",
    [
        "On 1/9/2017, utilization review determined physical therapy six visits was not "
        "medically necessary.",
        "UR 5/2/2016 non-certified acupuncture x6.",
    ],
)
def test_a_reviews_account_of_the_request_is_no_count_received(text: str) -> None:
    counts = [f.value.count for f in facts_of(text, "prior_treatment") if f.value.count]
    assert counts == []


def test_not_a_single_visit_approved_is_nothing_allowed() -> None:
    text = "UR denied the whole request; not a single physical therapy visit was approved."
    assert facts_of(text, "authorized_sessions") == []


@pytest.mark.parametrize(
    ("text", "modality", "count"),
    [
        ("Chiropractic 6 visits was authorized by the claims administrator.", "chiropractic", 6),
        ("The request for acupuncture was modified to allow for 6 sessions.", "acupuncture", 6),
        ("UR certified 4 of the 12 requested physical therapy visits.", "physical_therapy", 4),
        ("Review modified the request for physical therapy to initial trial of 6 sessions.",
         "physical_therapy", 6),
        ("UR approved the request for chiropractic care to a trial of four visits.",
         "chiropractic", 4),
        ("The request for 12 physical therapy sessions was modified by utilization review on "
         "3/4/2014 to 6 sessions.", "physical_therapy", 6),
        ("UR approved only 3 of the 6 physical therapy visits requested.", "physical_therapy", 3),
    ],
)  # fmt: skip
def test_what_review_allowed_of_the_request(text: str, modality: str, count: int) -> None:
    found = [(f.value.modality, f.value.count) for f in facts_of(text, "authorized_sessions")]
    assert (modality, count) in found
    assert facts_of(text, "prior_treatment") == [] or all(
        f.value.count != count for f in facts_of(text, "prior_treatment")
    )


def test_sessions_allowed_count_toward_the_course_of_the_rest() -> None:
    # 12 asked for, 6 allowed by UR: the 6 in dispute are visits 7 to 12
    text = ("Neck strain since 10/2016. The request was for chiropractic 12 visits; "
            "chiropractic 6 visits was authorized by the claims administrator.")  # fmt: skip
    case = Case(case_id="t", decision_date=dt.date(2016, 12, 20), clinical_summary=text,
                requests=[parse_request("Chiropractic 6 visits")])  # fmt: skip
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], dt.date(2016, 12, 20))
    assert found["prior_sessions_same_modality"].value == 6


def test_an_item_as_large_as_the_whole_request_already_holds_what_was_allowed() -> None:
    text = "Request: physical therapy 2x6 for the lumbar spine. UR modified it to 6 visits."
    day = dt.date(2016, 12, 20)
    case = Case(case_id="t", decision_date=day, clinical_summary=text,
                requests=[parse_request("Physical therapy 2x6 lumbar")])  # fmt: skip
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], day)
    assert found["prior_sessions_same_modality"].value == 0


def test_what_review_allowed_of_a_request_that_names_no_treatment_is_the_requests_own() -> None:
    text = ("Utilization review partially approved the request for 12 additional therapy "
            "sessions, which was modified to 6 sessions.")  # fmt: skip
    found = [(f.value.modality, f.value.count) for f in facts_of(text, "authorized_sessions")]
    assert found == [("unspecified", 6)]


def test_a_guideline_lead_in_governs_the_clause_after_its_comma() -> None:
    text = "Per ODG, a shoulder MRI is supported when plain films are normal."
    assert [f for f in facts_of(text, "imaging_finding") if f.assertion == Assertion.PRESENT] == []


def test_a_comma_after_a_modifier_inside_a_sentence_still_ends_its_scope() -> None:
    text = "She was told she will need surgery, x-rays were normal."
    found = facts_of(text, "imaging_finding")
    assert found and found[0].assertion == Assertion.PRESENT
