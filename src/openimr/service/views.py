"""What the service hands back: the same shapes to the HTTP API and the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from openimr.model import Model


class ItemView(Model):
    n: int
    request: str
    draft_decision: str | None
    decision: str | None
    """The reviewer's, once they decide."""
    reason: str | None
    version: int


class DocumentView(Model):
    id: int
    sha256: str
    kind: str
    date: dt.date | None
    filename: str
    media_type: str
    size: int
    characters: int
    added_at: dt.datetime


class Deadline(Model):
    due: dt.datetime | None
    basis: str | None = None
    late: bool = False


class CaseSummary(Model):
    id: str
    status: str
    expedited: bool
    reviewer_id: str | None
    received_at: dt.datetime
    records_due: Deadline
    determination_due: Deadline
    overdue: bool
    item_count: int


class CaseView(CaseSummary):
    formulary_only: bool
    closed_reason: str | None
    applications: list[dict[str, Any]] = Field(default_factory=list)
    """Each application's eligibility result (the application itself stays in the store)."""
    assignment: dict[str, Any] | None
    items: list[ItemView] = Field(default_factory=list)
    documents: list[DocumentView] = Field(default_factory=list)
    determined_at: dt.datetime | None
    version: int


class FilingResult(Model):
    case_id: str
    status: str
    eligibility: dict[str, Any]
    consolidated: bool = False
    """The application joined an open case of the same employee, physician and injury."""


class SignedView(Model):
    case_id: str
    determination_id: int
    signed_at: dt.datetime
    reviewer_id: str
    pack_version: str
    input_sha256: str
    corrects: int | None = None
