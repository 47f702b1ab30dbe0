"""Request titles: one title, the fields it states. Seeds, the issue's forms, and others."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.intake.requests import ImplausibleValue, parse_request

SEED_SERVICE = {
    "massage": "massage",
    "physical_therapy": "physical_therapy",
    "acupuncture": "acupuncture",
    "epidural_steroid_injection": "epidural_steroid_injection",
    "surgical_consultation": "surgical_consultation",
}


def test_seed_items_match_gold(seed_gold) -> None:
    """All ten seed items: service, visit count and (title-stated) body regions."""
    checked = 0
    for doc in seed_gold.values():
        for item in doc["items"]:
            req = parse_request(item["request"])
            assert req.service == SEED_SERVICE[item["service"]], item["request"]
            # a procedure named without a count is one (requests.yaml one_unless_counted)
            one = 1 if req.service == "epidural_steroid_injection" else None
            assert req.quantity == item.get("visits", one), item["request"]
            if req.body_regions:  # 001 and 003 name no region: filled from the summary
                assert req.body_regions == item["body_regions"], item["request"]
            assert req.unparsed == [], (item["request"], req.unparsed)
            checked += 1
    assert checked == 10


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Chiropractic 2x4 lumbar",
            dict(service="chiropractic", quantity=8, body_regions=["lumbar"]),
        ),
        (
            "8 additional PT sessions right shoulder",
            dict(
                service="physical_therapy",
                quantity=8,
                unit="sessions",
                continuation=True,
                body_regions=["shoulder"],
                sides=["right"],
            ),
        ),
        ("TENS unit purchase", dict(service="tens", phase="continuation")),
        ("Flurbiprofen/cyclobenzaprine cream 240g", dict(service="topical_analgesic")),
        ("Compound cream: flurbiprofen 20%, lidocaine 5%", dict(service="topical_analgesic")),
        ("Gel-One injection right knee", dict(service="hyaluronic_acid_injection")),
        ("Glucosamine 500mg #90", dict(service="other_medication")),
        ("TENS unit 30 day rental", dict(service="tens", phase="initial_trial")),
        (
            "Chiropractic 2 visits for flare-up lumbar",
            dict(service="chiropractic", phase="acute_flare"),
        ),
        (
            "Maintenance chiropractic care 1x month",
            dict(service="chiropractic", phase="maintenance"),
        ),
        ("MRI lumbar spine w/o contrast", dict(service="mri", body_regions=["lumbar"])),
        (
            "L4-5, L5-S1 TFESI",
            dict(
                service="epidural_steroid_injection",
                spinal_levels=["L4-L5", "L5-S1"],
                body_regions=["lumbar"],
            ),
        ),
        (
            "Home health aide 6 hrs/day x 7 days/week",
            dict(service="home_health", quantity=6, unit="hours"),
        ),
        (
            # counted in full days, as the guideline counts the programme (20 full days)
            "Functional restoration program x 160 hours",
            dict(service="functional_restoration_program", quantity=20, unit="days"),
        ),
        (
            "Post-op PT 12 visits left knee",
            dict(
                service="physical_therapy",
                quantity=12,
                unit="visits",
                phase="post_surgical",
                body_regions=["knee"],
                sides=["left"],
            ),
        ),
        ("Physical therapy twelve sessions", dict(quantity=12, unit="sessions")),
        ("Initial trial of acupuncture x 6", dict(service="acupuncture", continuation=False)),
        ("Continued chiropractic care", dict(service="chiropractic", continuation=True)),
        ("Cervical ESI C5-6", dict(spinal_levels=["C5-C6"], body_regions=["cervical"])),
        ("EMG/NCV bilateral upper extremities", dict(service="emg_ncv", sides=["bilateral"])),
        ("Orthopedic surgeon consultation", dict(service="surgical_consultation")),
        ("Pain management consultation", dict(service="specialist_referral")),
        ("Physiotherapy for the neck x 8", dict(service="physical_therapy", quantity=8)),
        (
            "Twelve (12) sessions of physical therapy for the lumbar spine",
            dict(quantity=12, unit="sessions", body_regions=["lumbar"], unparsed=[]),
        ),
        (
            "Right L5-S1 transforaminal epidural steroid injection",
            dict(spinal_levels=["L5-S1"], sides=["right"], unparsed=[]),
        ),
        (
            "Retrospective request for Norco 10/325mg #90 (DOS 2/14/14)",
            dict(service="opioid", retrospective=True, unparsed=[]),
        ),
        ("Orthopedic follow-up visit", dict(service="specialist_referral", unparsed=[])),
        ("Cervical traction unit", dict(service="other_equipment", body_regions=["cervical"])),
        ("Physical Therapy 2 x 6 for the Right Shoulder", dict(quantity=12, sides=["right"])),
        (
            "Home health care 4 hours per day, 5 days per week for 4 weeks",
            dict(service="home_health", quantity=4, unit="hours"),
        ),
    ],
)
def test_title_forms(title: str, expected: dict) -> None:
    req = parse_request(title)
    for key, value in expected.items():
        assert getattr(req, key) == value, (title, key, getattr(req, key))


@pytest.mark.parametrize(
    ("title", "times", "per", "duration", "unit", "quantity"),
    [
        ("Acupuncture 1 x week x 4 months", 1, "week", 4, "month", 16),
        ("Chiropractic 2x4", 2, "week", 4, "week", 8),
        ("PT 3x/wk x 4 wks", 3, "week", 4, "week", 12),
        ("Physical therapy 2 times per week for 6 weeks", 2, "week", 6, "week", 12),
        ("twice weekly chiropractic for six weeks", 2, "week", 6, "week", 12),
        ("Massage once a week for 4 weeks", 1, "week", 4, "week", 4),
        ("Aquatic therapy 3 x 4", 3, "week", 4, "week", 12),
    ],
)
def test_frequency(title, times, per, duration, unit, quantity) -> None:
    req = parse_request(title)
    assert req.frequency is not None
    assert (req.frequency.times, req.frequency.per) == (times, per)
    assert (req.frequency.duration, req.frequency.duration_unit) == (duration, unit)
    assert req.quantity == quantity


@pytest.mark.parametrize(
    ("title", "service", "name", "strength", "form", "count"),
    [
        ("Norco 10/325 #120", "opioid", "Norco", "10/325", None, 120),
        ("Lidoderm 5% patch #30", "lidocaine_patch", "Lidoderm", "5%", "patch", 30),
        ("Cyclobenzaprine 7.5mg #60", "muscle_relaxant", "Cyclobenzaprine", "7.5mg", None, 60),
        ("Omeprazole 20 mg capsules qty 30", "proton_pump_inhibitor", "Omeprazole", "20mg",
         "capsules", 30),
        ("Gabapentin 600mg tablets, 90 tablets", "gabapentinoid", "Gabapentin", "600mg",
         "tablets", 90),
    ],
)  # fmt: skip
def test_drugs(title, service, name, strength, form, count) -> None:
    req = parse_request(title)
    assert req.service == service
    assert req.drug is not None
    assert (req.drug.name, req.drug.strength, req.drug.form, req.drug.count) == (
        name,
        strength,
        form,
        count,
    )


def test_dosing_kept() -> None:
    req = parse_request("Tramadol 50mg 1 tab q6h prn #120")
    assert req.drug is not None and req.drug.dosing == "1 tab q6h prn"


def test_unknown_service_is_kept_with_reason() -> None:
    req = parse_request("Zumba lessons for the soul")
    assert req.service == "unknown"
    assert req.service_reason
    assert req.unparsed == ["Zumba lessons", "soul"]


def test_unparsed_parts_are_reported() -> None:
    req = parse_request("Acupuncture 6 sessions with moxibustion")
    assert req.service == "acupuncture"
    assert req.unparsed == ["moxibustion"]


def test_claims_administrator_guideline_is_kept() -> None:
    req = parse_request("Massage x4", "MTUS Massage Therapy")
    assert req.claims_administrator_guideline == "MTUS Massage Therapy"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_never_crashes(title: str) -> None:
    try:
        req = parse_request(title)
    except ImplausibleValue:
        return  # a count that cannot be real, named (tests/intake/test_plausible.py)
    assert req.text == title


def test_programme_days_are_its_quantity():
    request = parse_request("Functional restoration program x 20 days")
    assert (request.quantity, request.unit) == (20, "days")
    medication = parse_request("Norco 10/325 x 30 days")
    assert medication.quantity is None


@pytest.mark.parametrize(
    ("title", "also"),
    [
        ("Neurology consultation and treatment, 24 sessions", ["treatment"]),
        ("Pain management consult and treat", ["treat"]),
        ("Psychological evaluation & treatment x6", ["treatment"]),
        ("Orthopedic surgery consultation, right shoulder", []),
        ("Pain management consultation for stellate ganglion block evaluation", []),
    ],
)
def test_a_consultation_that_also_asks_for_treatment_names_two_items(title, also) -> None:
    assert parse_request(title).also_names == also


@pytest.mark.parametrize(
    ("title", "service", "generic"),
    [
        ("Three refills of Voltaren 75mg #60", "nsaid", "diclofenac"),
        ("Voltaren gel 1% 100g", "topical_analgesic", "diclofenac"),
        ("Lidopro ointment 121gm #1", "topical_analgesic", "compounded topical"),
        ("Ketophene 20% cream", "topical_analgesic", "ketoprofen"),
    ],
)
def test_oral_and_topical_brands(title: str, service: str, generic: str) -> None:
    request = parse_request(title)
    assert (request.service, request.drug.generic) == (service, generic)


@pytest.mark.parametrize(
    ("title", "days"),
    [
        ("Associated surgical service: Cold therapy for one week", 7),
        ("Cold therapy unit rental x 30 days", 30),
        ("Cold therapy unit rental x 1 month", 30),
        ("Cold therapy unit, 7-day home use, left knee", 7),
    ],
)
def test_a_rentals_length_in_days(title: str, days: int) -> None:
    request = parse_request(title)
    assert (request.quantity, request.unit) == (days, "days")
