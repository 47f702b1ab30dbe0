"""A small world for the service tests: a roster, an account per role, an application and a
progress note, all invented here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openimr.service.auth import SYSTEM
from openimr.service.cases import CaseService
from openimr.service.roster import ReviewerProfile

PASSWORD = "correct horse battery staple"

ROSTER = [
    ReviewerProfile(
        id="R-PMR",
        name="Dr. Lane Quill",
        licence_states=["CA"],
        board_certifications=["Physical Medicine and Rehabilitation"],
        specialties=["Physical Medicine and Rehabilitation"],
        years_in_practice=12,
        hours_per_week=30,
        affiliations=["Westshore Medical Group"],
    ),
    ReviewerProfile(
        id="R-OCC",
        name="Dr. Mira Holt",
        licence_states=["CA"],
        board_certifications=["Occupational Medicine"],
        specialties=["Occupational Medicine"],
        years_in_practice=20,
        hours_per_week=40,
        affiliations=["Pinecrest Claims Services"],
    ),
    ReviewerProfile(
        id="R-NEW",
        name="Dr. Ravi Sol",
        licence_states=["CA"],
        board_certifications=["Physical Medicine and Rehabilitation"],
        specialties=["Physical Medicine and Rehabilitation"],
        years_in_practice=3,
        hours_per_week=40,
        affiliations=[],
    ),
]

ACCOUNTS = {
    "coord": ("coordinator", None),
    "director": ("medical_director", None),
    "quill": ("reviewer", "R-PMR"),
    "holt": ("reviewer", "R-OCC"),
    "sol": ("reviewer", "R-NEW"),
    "attorney": ("party", None),
}

WORKER = "Teodora Vance"
"""The worker's name: it must never reach a log line."""

NOTE = (
    "Progress note. The patient reports low back pain rated 6/10 radiating into the left leg "
    "for four months after lifting a pallet at work. Exam: positive straight leg raise on the "
    "left, decreased sensation over the left L5 dermatome. She completed eight sessions of "
    "physical therapy with little change. Plan: lumbar MRI."
)


def world(service: CaseService) -> dict[str, int]:
    for profile in ROSTER:
        service.save_reviewer(SYSTEM, profile)
    ids = {}
    for username, (role, reviewer) in ACCOUNTS.items():
        ids[username] = service.create_user(
            SYSTEM, username=username, password=PASSWORD, role=role, reviewer_id=reviewer
        )
    return ids


def application(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "employee_name": WORKER,
        "employee_id": "CLM-88231",
        "date_of_injury": "2026-03-09",
        "requesting_physician": "Dr. Ezra Kline",
        "claims_administrator": "Pinecrest Claims Services",
        "employer": "Harborline Freight",
        "insurer": "Summit Mutual",
        "filed_by": "employee",
        "signed": True,
        "ur_decision_attached": True,
        "ur_decision_date": "2026-10-20",
        "ur_served_by": "mail",
        "filed_on": "2026-10-30",
        "treatments": ["MRI lumbar spine without contrast", "Physical therapy 2x4 lumbar spine"],
        "specialties_treating": ["Physical Medicine and Rehabilitation"],
    }
    data.update(changes)
    return data


START = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)
