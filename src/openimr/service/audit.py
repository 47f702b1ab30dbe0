"""The audit trail: one event per action, appended in the action's own transaction, each
event's hash covering its content and the hash before it, so that an edited, removed or
reordered row breaks the chain (``openimr audit verify``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from openimr.service.tables import AuditEvent, AuditHead

GENESIS = "0" * 64

PROBLEMS_SHOWN = 20
"""``verify`` stops after this many problems: a broken chain's first ones locate it."""


def _canonical(value: Any) -> Any:
    """JSON-ready, and the same however it was read back (datetimes as ISO text)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str, sort_keys=True)) if value is not None else None


def _utc(moment: dt.datetime) -> str:
    # SQLite hands back naive datetimes: every stored time is UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": _utc(event.at),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "case_id": event.case_id,
        "before": event.before,
        "after": event.after,
    }


def as_record(event: AuditEvent) -> dict[str, Any]:
    """An event as the API and the command line show it: what its hash covers, and the hash."""
    return {**_fields(event), "hash": event.hash}


def append(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    role: str,
    action: str,
    case_id: str | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Record one action in the caller's transaction: it is committed with the change it
    records, or not at all."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        at=at,
        actor=actor,
        role=role,
        action=action,
        case_id=case_id,
        before=_canonical(before),
        after=_canonical(after),
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event_hash(head.hash, _fields(event))
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


class ChainReport(BaseModel):
    events: int
    valid: bool
    problems: list[str]


def verify(session: Session, *, limit_problems: int = PROBLEMS_SHOWN) -> ChainReport:
    """Walk the chain from the first event: every hash recomputed, every link and number in
    sequence, and the head row naming the last event."""
    problems: list[str] = []
    prev, expected_seq, count, walked = GENESIS, 1, 0, True
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if event.seq != expected_seq:
            problems.append(f"event {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev:
            problems.append(f"event {event.seq} does not follow the event before it")
        if event_hash(event.prev_hash, _fields(event)) != event.hash:
            problems.append(f"event {event.seq} was changed after it was written")
        prev, expected_seq = event.hash, event.seq + 1
        if len(problems) >= limit_problems:
            walked = False
            break
    head = session.get(AuditHead, 1)
    if head is not None and walked and (head.seq != expected_seq - 1 or head.hash != prev):
        problems.append("the last events were removed (the head names a later event)")
    return ChainReport(events=count, valid=not problems, problems=problems)


def events(session: Session, case_id: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return list(session.execute(query).scalars())
