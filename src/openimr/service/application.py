"""The IMR application as the service receives it (DWC Form IMR, 8 CCR 9792.10.1), and the
keys derived from it: who the employee is, which applications may be consolidated
(9792.10.4), and which parties a reviewer must be independent of (LC 139.5)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator

from openimr.errors import UserError
from openimr.model import Model

FiledBy = Literal[
    "employee",
    "representative",
    "attorney",
    "parent_guardian",
    "employer",
    "insurer",
    "claims_administrator",
    "provider",
]
"""Who sent the application. Who *may* file is data (``rules/eligibility.yaml``)."""

ServedBy = Literal["mail", "electronic", "personal"]


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty or blank")
    return value


Text = Annotated[str, AfterValidator(_stripped)]
"""A string stripped of surrounding space that is not empty: a blank name is a mistake,
an absent one is ``None``."""


class Application(Model):
    employee_name: Text
    employee_id: Text | None = None
    """Claim number or another stable id of the worker; preferred over the name as identity."""
    date_of_injury: dt.date
    requesting_physician: Text
    claims_administrator: Text
    employer: Text | None = None
    insurer: Text | None = None
    filed_by: FiledBy
    signed: bool
    """Signed by the employee or the employee's representative (9792.10.1(b)(1))."""
    ur_decision_attached: bool
    ur_decision_date: dt.date
    """Date of the written UR determination; taken as its date of service."""
    ur_served_by: ServedBy = "mail"
    filed_on: dt.date
    treatments: list[Text] = Field(min_length=1)
    """The disputed items, as the UR decision titles them."""
    liability_disputed: bool = False
    expedited: bool = False
    """The treating physician certified an imminent, serious threat to health (9792.10.4(c))."""
    formulary_only: bool = False
    """Every disputed item is a formulary drug (LC 4610.6(d): 5 working days)."""
    material_change: bool = False
    """A documented material change in the facts since a prior IMR of the same treatment."""
    specialties_treating: list[Text] = Field(default_factory=list)
    providers: list[Text] = Field(default_factory=list)
    medical_groups: list[Text] = Field(default_factory=list)

    # A field validator (not a model validator) so that the error's location is the field.
    @field_validator("filed_on")
    @classmethod
    def _not_before_ur_decision(cls, filed_on: dt.date, info: ValidationInfo) -> dt.date:
        decided = info.data.get("ur_decision_date")
        if decided is not None and filed_on < decided:
            raise ValueError(
                f"filed_on {filed_on.isoformat()} is before ur_decision_date "
                f"{decided.isoformat()}: an application answers a UR decision already made"
            )
        return filed_on


def parse_application(data: Any) -> Application:
    """An application from decoded JSON; a UserError naming every bad field otherwise."""
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'application'}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise UserError(problems, source="application") from None


def normalize(text: str) -> str:
    """A name as compared: Unicode-folded, case-folded, every run of punctuation or space
    one space. "Dr. Jane  SMITH" and "dr jane smith" are the same party."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in folded)
    return " ".join(cleaned.split())


def treatment_key(title: str) -> str:
    """A treatment title as compared across reviews: case-, space- and punctuation-blind,
    so "Norco 10/325 mg #60" matches "NORCO 10/325MG, #60". Nothing cleverer (no synonyms,
    no drug-name mapping): two titles match only if their letters and digits agree."""
    return normalize(title).replace(" ", "")


def employee_key(app: Application) -> str:
    """Who the worker is: the stable id when given (as written, stripped), else the
    normalized name."""
    return app.employee_id if app.employee_id is not None else normalize(app.employee_name)


def consolidation_key(app: Application) -> tuple[str, str, str]:
    """Applications with equal keys may be consolidated into one review: same employee, same
    requesting physician, same date of injury (8 CCR 9792.10.4)."""
    return (employee_key(app), normalize(app.requesting_physician), app.date_of_injury.isoformat())


def parties(app: Application) -> list[str]:
    """Every party a reviewer must have no affiliation with (LC 139.5; 9792.10.4), normalized,
    each once, in a stable order."""
    names = [app.employer, app.insurer, app.claims_administrator, app.requesting_physician]
    names += app.providers + app.medical_groups
    seen: dict[str, None] = {}
    for name in names:
        if name is not None:
            seen.setdefault(normalize(name), None)
    return list(seen)
