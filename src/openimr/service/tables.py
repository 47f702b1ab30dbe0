"""The store's tables. Alembic migrations (``service/migrations``) create them; this module is
what the code reads and writes through. A change here needs a new migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, dt.datetime: DateTime(True)}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True, index=True)
    """Lower-cased; the workbench signs in by email (or by user name)."""
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("reviewers.id"))
    """For a reviewer's account: the roster entry it signs as."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]


class Token(Base):
    __tablename__ = "tokens"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Only the token's hash is stored: a copy of the database does not log anyone in."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class ReviewerRow(Base):
    __tablename__ = "reviewers"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    profile: Mapped[dict[str, Any]]
    """The ``ReviewerProfile`` as JSON."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    consolidation_key: Mapped[str] = mapped_column(String(400), index=True)
    """Same employee, requesting physician and date of injury (9792.10.4): one case."""
    employee_key: Mapped[str] = mapped_column(String(200), index=True)
    """The worker, for finding earlier reviews of the same treatment."""
    expedited: Mapped[bool] = mapped_column(Boolean, default=False)
    formulary_only: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("reviewers.id"), index=True)
    assignment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The choice and the candidates passed over, as ``Assignment`` JSON."""
    received_at: Mapped[dt.datetime]
    assigned_at: Mapped[dt.datetime | None]
    notice_by: Mapped[str | None] = mapped_column(String(20))
    records_requested_at: Mapped[dt.datetime | None]
    records_complete_at: Mapped[dt.datetime | None]
    records_due: Mapped[dt.datetime | None]
    determination_due: Mapped[dt.datetime | None]
    determined_at: Mapped[dt.datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(Text)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The engine's draft determination (the JSON contract) from the current documents."""
    draft_documents_sha256: Mapped[str | None] = mapped_column(String(64))
    """What the draft was computed from: when the documents change, it is computed again."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    applications: Mapped[list[ApplicationRow]] = relationship(
        back_populates="case", order_by="ApplicationRow.id"
    )
    items: Mapped[list[ItemRow]] = relationship(back_populates="case", order_by="ItemRow.n")
    documents: Mapped[list[DocumentRow]] = relationship(order_by="DocumentRow.id")


class ApplicationRow(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    payload: Mapped[dict[str, Any]]
    """The ``Application`` as filed."""
    eligibility: Mapped[dict[str, Any]]
    received_at: Mapped[dt.datetime]
    case: Mapped[CaseRow] = relationship(back_populates="applications")


class ItemRow(Base):
    """A disputed item: the engine's draft decision, and the reviewer's."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("case_id", "n"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    n: Mapped[int]
    request: Mapped[str] = mapped_column(Text)
    draft_decision: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(20))
    """The reviewer's decision, None until they decide."""
    reason: Mapped[str | None] = mapped_column(Text)
    """Why the reviewer changed the draft (required when they do)."""
    decided_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    case: Mapped[CaseRow] = relationship(back_populates="items")
    __mapper_args__ = {"version_id_col": version}


class Blob(Base):
    """A document's bytes, stored once by their SHA-256 however often they are uploaded."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    kind: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date | None]
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    """The document's text as read (PDF text, decoded plain text)."""
    added_at: Mapped[dt.datetime]


class DeterminationRow(Base):
    """A signed determination and its letter. Written once, never changed: a correction is a
    new row that names the one it corrects."""

    __tablename__ = "determinations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("determinations.id"))
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewers.id"))
    signed_at: Mapped[dt.datetime]
    pack_version: Mapped[str] = mapped_column(String(80))
    input_sha256: Mapped[str] = mapped_column(String(64))
    determination: Mapped[dict[str, Any]]
    draft: Mapped[dict[str, Any]]
    """The engine's draft as it stood when the reviewer signed."""
    letter_text: Mapped[str] = mapped_column(Text)
    letter_html: Mapped[str] = mapped_column(Text)
    letter_pdf: Mapped[bytes] = mapped_column(LargeBinary)


class CaseParty(Base):
    """A party's account (the worker, the attorney, the claims administrator) on a case."""

    __tablename__ = "case_parties"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE), hash-chained: each event's
    hash covers its content and the previous event's hash."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last event's number and hash. Appending locks it, so concurrent writers
    extend the chain one after another instead of forking it."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Case numbers: the next number of each year."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int]
