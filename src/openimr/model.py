"""The shared vocabulary of openimr: the objects every part of the data path passes on.

case file -> Case (requests, facts with Evidence) -> review -> ItemDecision per request
-> Determination -> letter. Names of services, body regions and sides are checked against
``vocabulary.yaml`` (see ``openimr.vocabulary``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openimr.vocabulary import BodyRegion, Phase, ServiceKind, Side

Decision = Literal["Upheld", "Overturned"]
"""Upheld: the UR denial stands (not medically necessary). Overturned: medically necessary."""

UPHELD: Decision = "Upheld"
OVERTURNED: Decision = "Overturned"


class Model(BaseModel):
    """Base for all boundary models: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class HierarchyLevel(StrEnum):
    """Medical Evidence Search Sequence (8 CCR 9792.21.1), highest first."""

    MTUS = "mtus"
    ACOEM_ODG = "acoem_odg"
    OTHER_GUIDELINE = "other_guideline"
    PEER_REVIEWED = "peer_reviewed"


class Verification(StrEnum):
    """How far a guideline fact has been checked (the flags of mtus-facts.md)."""

    VERIFIED = "V"
    COMMONLY_CITED = "K"
    UNCERTAIN = "U"


class Evidence(Model):
    """Words in a source text that support a fact or a criterion verdict."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    source: str = "clinical_summary"
    """Which text the offsets point into: ``clinical_summary`` or ``records[N]``."""

    @model_validator(mode="after")
    def _ordered(self) -> Evidence:
        if self.end < self.start:
            raise ValueError("evidence end is before its start")
        return self


class Citation(Model):
    """A guideline passage: what a rule, a decision or a letter relies on."""

    guideline: str
    edition: str | None = None
    regulation: str | None = None
    section: str | None = None
    pages: str | None = None
    hierarchy_level: HierarchyLevel | None = None
    verification: Verification | None = None


class Reviewer(Model):
    """The physician who decides and signs. Names stay confidential in published letters."""

    kind: Literal["expert_reviewer", "physician_reviewer"] = "expert_reviewer"
    name: str | None = None
    licensure: list[str] = Field(default_factory=list)
    specialties: list[str] = Field(default_factory=list)
    board_certified: bool | None = None


class Patient(Model):
    age: int | None = Field(default=None, ge=0, le=120)
    sex: Literal["female", "male"] | None = None
    date_of_injury: dt.date | None = None


class Assertion(StrEnum):
    """ConText-style status of an extracted fact."""

    PRESENT = "present"
    NEGATED = "negated"
    UNCERTAIN = "uncertain"
    HISTORICAL = "historical"
    HYPOTHETICAL = "hypothetical"


class Fact(Model):
    """One clinical fact found in the case file, with the words that support it."""

    kind: str
    value: Any = None
    assertion: Assertion = Assertion.PRESENT
    evidence: list[Evidence] = Field(default_factory=list)


class Frequency(Model):
    """``2x4``: 2 per week for 4 weeks."""

    times: int | None = None
    per: Literal["day", "week", "month"] | None = None
    duration: int | None = None
    duration_unit: Literal["day", "week", "month"] | None = None


class Drug(Model):
    name: str
    generic: str | None = None
    """The generic name of the drug as the request names it (brand or generic)."""
    strength: str | None = None
    form: str | None = None
    count: int | None = None
    amount: str | None = None
    """How much of a cream, gel or liquid is asked for ("240 grams"), when not a count."""
    dosing: str | None = None
    doses_per_day: float | None = None
    """Doses a day the dosing says ("1 tab every 6 hours": 4), None if it does not."""


class Request(Model):
    """A disputed item, as the request title states it, and what we could read from it."""

    text: str
    service: ServiceKind = "unknown"
    service_reason: str | None = None
    quantity: int | None = None
    unit: Literal["visits", "sessions", "units", "days", "hours", "items"] | None = None
    frequency: Frequency | None = None
    continuation: bool | None = None
    """True for additional/continued treatment, False for an initial course, None if unsaid."""
    body_regions: list[BodyRegion] = Field(default_factory=list)
    sides: list[Side] = Field(default_factory=list)
    spinal_levels: list[str] = Field(default_factory=list)
    drug: Drug | None = None
    phase: Phase | None = None
    retrospective: bool = False
    """A retrospective request: for care already given."""
    claims_administrator_guideline: str | None = None
    unparsed: list[str] = Field(default_factory=list)
    """Parts of the title the parser could not read: kept and reported, never dropped."""
    also_names: list[str] = Field(default_factory=list)
    """Further services or drugs the title names as items of their own ("MRI and EMG"): a
    title asking for several items, which the physician reviewer splits."""


class Record(Model):
    date: dt.date | None = None
    kind: str | None = None
    text: str


class Case(Model):
    """Everything a reviewer decides from."""

    case_id: str
    decision_date: dt.date | None = None
    ur_denial_date: dt.date | None = None
    """Date of the utilization review decision in dispute, when the case file gives it."""
    clinical_summary: str = ""
    records: list[Record] = Field(default_factory=list)
    requests: list[Request]
    patient: Patient = Field(default_factory=Patient)
    reviewer: Reviewer | None = None
    input_sha256: str | None = None
    """SHA-256 of the input as supplied: the file's bytes, or one JSON Lines line's."""
    text_origin: Literal["input", "extracted"] = "input"
    """``input``: the texts are the input's own, and evidence offsets index them;
    ``extracted``: read out of a PDF or a letter, so the determination carries them."""


class DatedEvent(Model):
    """A dated event the case mentions: what may fix the decision date. Never the date of
    injury or of birth, which date the patient, not the dispute."""

    date: dt.date
    what: str
    """In words, for the decision-date basis: "the utilization review", "record 2 (MRI)"..."""


class Intake(Model):
    """What intake hands the review: the case (request regions filled), its clinical facts
    with evidence, and its dated events. Review reads nothing else."""

    case: Case
    facts: list[Fact] = Field(default_factory=list)
    events: list[DatedEvent] = Field(default_factory=list)


class CriterionStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_DOCUMENTED = "not_documented"
    NEEDS_REVIEWER = "needs_reviewer"
    """The pack declares the criterion's fact one only a physician reviewer can assess from
    the records: never reported as not documented, it sends the item to the reviewer."""


class ReviewerAssessment(Model):
    """The answer to a predicate the pack declares physician-assessed: not a value, but the
    reason the physician reviewer has to weigh it (``physician_assessed`` in predicates.yaml)."""

    predicate: str
    reason: str


class Measurement(Model):
    """What a limit (or a numeric criterion) compared: the number found, its bounds, its unit,
    so that an explanation never measures again."""

    value: float | None
    """None: the request or the records do not state it."""
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    of: str | None = None
    """What a limit measures: quantity, per_week, weeks, total_with_prior, levels; or None
    for a fact (``predicate``)."""
    predicate: str | None = None


class Criterion(Model):
    """One guideline criterion checked against the records."""

    id: str
    text: str
    status: CriterionStatus
    evidence: list[Evidence] = Field(default_factory=list)
    gap: str | None = None
    """For ``not_documented``: what the requesting physician would have to document."""
    measured: Measurement | None = None
    """For a limit or a numeric criterion: what was compared."""


class ItemDecision(Model):
    request: str
    service: ServiceKind
    decision: Decision | None
    medically_necessary: bool | None
    decided_by: Literal["rule", "physician_judgement_required", "physician_reviewer"]
    """``rule``: the engine's draft from the guideline; ``physician_judgement_required``: a
    draft the engine leaves to the reviewer; ``physician_reviewer``: decided and signed."""
    rule_id: str | None = None
    guideline: Citation | None = None
    criteria: list[Criterion] = Field(default_factory=list)
    rationale: str = ""
    documentation_gaps: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ItemDecision:
        expected = {None: None, UPHELD: False, OVERTURNED: True}[self.decision]
        if self.medically_necessary is not expected:
            raise ValueError("medically_necessary must follow the decision")
        return self


class Determination(Model):
    case_id: str
    decision_date: dt.date | None
    pack_version: str
    input_sha256: str
    items: list[ItemDecision]
    reviewer: Reviewer | None = None
    signed: bool = False
    """A draft until a physician reviewer signs: nothing adverse leaves unsigned."""
    source_texts: dict[str, str] | None = None
    """The texts evidence offsets index, by source name, when they are not the input's own
    (extracted from a PDF or a letter)."""
