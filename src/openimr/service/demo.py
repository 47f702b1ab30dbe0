"""The demonstration store ``make run`` serves: a small roster, an account for each role, and
the seed letters' cases filed, screened and waiting at each step of the process. Every name
in it is invented; the passwords are printed because this store is for trying openimr out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from openimr.intake.case_file import load_case
from openimr.service.application import Application
from openimr.service.auth import SYSTEM, Principal, principal
from openimr.service.cases import CaseService
from openimr.service.roster import ReviewerProfile
from openimr.service.tables import User

DEMO_PASSWORD = "openimr-demo-password"
DEMO_EMAIL_DOMAIN = "demo.openimr.org"
"""Each demo account's email is its user name at this domain (coordinator@demo.openimr.org)."""

ROSTER = [
    ReviewerProfile(
        id="R-OCC-1",
        name="Dr. Avery Demo",
        licence_states=["CA"],
        board_certifications=["Occupational Medicine"],
        specialties=["Occupational Medicine"],
        years_in_practice=14,
        hours_per_week=32,
        affiliations=["Harbor Occupational Clinic"],
    ),
    ReviewerProfile(
        id="R-PMR-1",
        name="Dr. Blake Demo",
        licence_states=["CA", "NV"],
        board_certifications=["Physical Medicine and Rehabilitation"],
        specialties=["Physical Medicine and Rehabilitation", "Pain Medicine"],
        years_in_practice=9,
        hours_per_week=40,
        affiliations=[],
    ),
    ReviewerProfile(
        id="R-ORTH-1",
        name="Dr. Casey Demo",
        licence_states=["OR"],
        board_certifications=["Orthopaedic Surgery"],
        specialties=["Orthopaedic Surgery"],
        years_in_practice=21,
        hours_per_week=30,
        affiliations=[],
    ),
    ReviewerProfile(
        id="R-PSY-1",
        name="Dr. Drew Demo",
        licence_states=["CA"],
        board_certifications=["Psychiatry"],
        specialties=["Psychiatry"],
        years_in_practice=4,
        hours_per_week=36,
        affiliations=[],
    ),
]


@dataclass
class Seeded:
    accounts: list[tuple[str, str]] = field(default_factory=list)
    """(user name, role)."""
    cases: list[str] = field(default_factory=list)
    already: bool = False


def seed(service: CaseService, letters: Path | None) -> Seeded:
    """Fill an empty store; a store that has accounts already is left as it is."""
    with service.store.read() as session:
        if session.execute(select(User.id).limit(1)).first() is not None:
            return Seeded(already=True)
    done = Seeded()
    for profile in ROSTER:
        service.save_reviewer(SYSTEM, profile)
    for username, role, reviewer in [
        ("coordinator", "coordinator", None),
        ("director", "medical_director", None),
        ("dr.avery", "reviewer", "R-OCC-1"),
        ("dr.blake", "reviewer", "R-PMR-1"),
        ("worker", "party", None),
    ]:
        service.create_user(
            SYSTEM,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            reviewer_id=reviewer,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
        )
        done.accounts.append((username, role))
    coordinator = _principal(service, "coordinator")
    files = sorted(letters.glob("*.txt")) if letters and letters.is_dir() else []
    for index, path in enumerate(files, start=1):
        done.cases.append(_file_seed(service, coordinator, path, index, len(files)))
    if done.cases:
        with service.store.read() as session:
            worker = session.execute(select(User.id).where(User.username == "worker")).scalar_one()
        service.add_party(SYSTEM, done.cases[0], worker)
    return done


def _principal(service: CaseService, username: str) -> Principal:
    with service.store.read() as session:
        return principal(
            session.execute(select(User).where(User.username == username)).scalar_one()
        )


def _file_seed(service: CaseService, who: Principal, path: Path, index: int, count: int) -> str:
    """One seed letter's case: its summary as the file, its items as the application. The
    cases stop at different steps so the queue shows each."""
    case = load_case(path)
    injury = case.patient.date_of_injury or dt.date(2014, 1, 6)
    ur_date = case.ur_denial_date or (case.decision_date or dt.date(2016, 12, 1)) - dt.timedelta(
        days=40
    )
    application = Application(
        employee_name=f"Demo Worker {index}",
        employee_id=f"DEMO-{index:03d}",
        date_of_injury=injury,
        requesting_physician=f"Demo Treating Physician {index}",
        claims_administrator="Demo Claims Services",
        employer=f"Demo Employer {index}",
        filed_by="employee",
        signed=True,
        ur_decision_attached=True,
        ur_decision_date=ur_date,
        filed_on=ur_date + dt.timedelta(days=12),
        treatments=[r.text for r in case.requests],
    )
    filed = service.file_application(who, application)
    summary = case.clinical_summary.encode("utf-8")
    service.add_document(
        who,
        filed.case_id,
        content=summary,
        filename=f"{path.stem}-summary.txt",
        kind="case_summary",
    )
    if index == count:
        return filed.case_id  # the last waits for a reviewer
    service.assign(who, filed.case_id)
    service.request_records(who, filed.case_id, notice_by="electronic")
    if index < count - 1:
        service.complete_records(who, filed.case_id)
    return filed.case_id
