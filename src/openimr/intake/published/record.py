"""What a published Final Determination Letter becomes: a structured record."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from openimr.model import Decision, Model, Patient, Reviewer


class CitedGuideline(Model):
    """One MTUS guideline of a citation: "Chronic Pain Medical Treatment 2016, Section(s): X"."""

    guideline: str
    year: int
    sections: list[str] = Field(default_factory=list)


class GuidelineCitation(Model):
    """One "Decision based on ..." statement of a guideline line."""

    basis: Literal["mtus", "non_mtus"]
    text: str
    pages: str | None = None
    guidelines: list[CitedGuideline] = Field(default_factory=list)
    """MTUS citations read into guideline, year and sections (empty for non-MTUS text)."""


class GuidelineLine(Model):
    """The guideline a party relied on, as the letter states it."""

    text: str
    """The line as written, whitespace joined."""
    summary: str
    """Short form: MTUS citations joined by '; ', then 'Non-MTUS: ...'; 'none cited' if none."""
    citations: list[GuidelineCitation] = Field(default_factory=list)
    none_cited: bool = False
    mtus_not_used: bool = False
    """The party said it did not base its decision on the MTUS."""


class PartialCertification(Model):
    """An item the claims administrator certified in part: IMR decides only the remainder."""

    original_request: str
    """What the physician asked for."""
    authorized: str
    """The part the claims administrator authorized."""
    remainder: str
    """The disputed remainder, which the decision is about (the item's ``request``)."""


class LetterItem(Model):
    """One disputed item and the reviewer's decision on it."""

    number: int
    """Position in the letter, from 1."""
    request: str
    decision: Decision | None
    claims_administrator_guideline: GuidelineLine | None = None
    reviewer_guideline: GuidelineLine | None = None
    non_mtus_citations: list[str] = Field(default_factory=list)
    rationale: str = ""
    notices: list[str] = Field(default_factory=list)
    """Standard notices the rationale ended with, by name (layouts.yaml `notices`):
    ``opioid_tapering`` (not a recommendation to stop opioids abruptly)."""
    partial_certification: PartialCertification | None = None
    truncated: bool = False
    truncation_reason: str | None = None


class LetterHeader(Model):
    case_number: str | None = None
    claim_number: str | None = None
    priority: str | None = None
    date_assigned: dt.date | None = None
    ur_denial_date: dt.date | None = None
    date_of_injury: dt.date | None = None
    application_received: dt.date | None = None
    letter_date: dt.date | None = None
    decision_date: dt.date | None = None


class LetterRecord(Model):
    source: str
    layout: str
    header: LetterHeader = Field(default_factory=LetterHeader)
    reviewer: Reviewer | None = None
    patient: Patient = Field(default_factory=Patient)
    clinical_summary: str = ""
    documents_reviewed: str = ""
    items: list[LetterItem]
    truncated: bool = False
