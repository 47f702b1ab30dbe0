"""The service's operations on cases: each one checks the role and the case, changes the
store in one transaction together with its audit event, and returns a view. The HTTP API
and the command line both call these; neither touches the store itself."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from openimr.errors import UserError
from openimr.intake.limits import MAX_FILE_BYTES
from openimr.model import OVERTURNED, UPHELD
from openimr.review.contract import determination_json
from openimr.service import audit, deadlines, drafting, eligibility
from openimr.service.application import Application, consolidation_key, parties
from openimr.service.assignment import Assignment, CaseNeeds, check_named, choose
from openimr.service.auth import (
    Principal,
    authenticate,
    check_password,
    hash_password,
    issue_token,
)
from openimr.service.db import Store
from openimr.service.errors import Conflict, NotFound, Unauthenticated
from openimr.service.roster import ReviewerProfile
from openimr.service.tables import (
    ApplicationRow,
    Blob,
    CaseParty,
    CaseRow,
    Counter,
    DeterminationRow,
    DocumentRow,
    ItemRow,
    ReviewerRow,
    Token,
    User,
)
from openimr.service.views import (
    CaseSummary,
    CaseView,
    Deadline,
    DocumentView,
    FilingResult,
    ItemView,
    SignedView,
)
from openimr.service.workflow import (
    decidable,
    is_open,
    next_state,
    own_cases_only,
    require,
    starts_review,
    workflow,
)

log = logging.getLogger("openimr.service")
# Log lines name cases by number and users by account number, never a person, a date of
# birth or a clinical text (a test reads every log line of a full run).

LetterFormat = Literal["text", "html", "pdf"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def _key(parts: tuple[str, ...] | list[str]) -> str:
    return "\x1f".join(parts)


class CaseService:
    """Operations on the store, as a given user, on a given clock (tests pass their own)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        eligibility_settings: Any = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.eligibility_settings = eligibility_settings

    # helpers ------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self.clock().astimezone(dt.UTC)

    def _case(
        self, session: Session, who: Principal, case_id: str, *, lock: bool = False
    ) -> CaseRow:
        query = (
            select(CaseRow)
            .where(CaseRow.id == case_id)
            .options(
                selectinload(CaseRow.items),
                selectinload(CaseRow.documents),
                selectinload(CaseRow.applications),
            )
        )
        if lock:
            # A writer that acts on what it reads waits for the case's other writers
            # (PostgreSQL; SQLite's writers queue already), so it checks the current state
            # and versions rather than failing later on a stale UPDATE (a 500, not a 409).
            query = query.with_for_update(of=CaseRow)
        row = session.execute(query).scalar_one_or_none()
        if row is None or not self._may_see(session, who, row):
            # A case the user may not see does not exist for them: nothing leaks, not even
            # that the number is taken.
            raise NotFound(f"case: no case {case_id}")
        return row

    def _may_see(self, session: Session, who: Principal, row: CaseRow) -> bool:
        if not own_cases_only(who.role):
            return True
        if who.role == "reviewer":
            return who.reviewer_id is not None and row.reviewer_id == who.reviewer_id
        return session.get(CaseParty, (who.user_id, row.id)) is not None

    def _audit(
        self,
        session: Session,
        who: Principal,
        action: str,
        case_id: str | None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        audit.append(
            session,
            at=self._now(),
            actor=who.actor,
            role=who.role,
            action=action,
            case_id=case_id,
            before=before,
            after=after,
        )
        log.info("%s %s by %s", action, case_id or "-", who.actor)

    def _move(self, session: Session, who: Principal, row: CaseRow, action: str) -> None:
        before = row.status
        row.status = next_state(row.status, action)
        self._audit(session, who, action, row.id, {"status": before}, {"status": row.status})

    def _next_number(self, session: Session, year: int) -> str:
        name = f"case-{year}"
        counter = session.get(Counter, name, with_for_update=True)
        if counter is None:
            counter = Counter(name=name, value=0)
            session.add(counter)
        counter.value += 1
        return f"IMR-{year}-{counter.value:06d}"

    # views ----------------------------------------------------------------------------

    def _deadline(self, due: dt.datetime | None, basis: str | None, done: bool) -> Deadline:
        due = _aware(due)
        late = due is not None and not done and deadlines.is_late(due, at=self._now())
        return Deadline(due=due, basis=basis, late=late)

    def _summary_fields(self, row: CaseRow) -> dict[str, Any]:
        records_done = row.records_complete_at is not None or not is_open(row.status)
        decided = not is_open(row.status)
        clock = _deadlines(row)
        records = self._deadline(clock.records_due, clock.records_basis, records_done)
        determination = self._deadline(clock.determination_due, clock.determination_basis, decided)
        return {
            "id": row.id,
            "status": row.status,
            "expedited": row.expedited,
            "reviewer_id": row.reviewer_id,
            "received_at": _aware(row.received_at),
            "records_due": records,
            "determination_due": determination,
            "overdue": records.late or determination.late,
        }

    def _summary(self, row: CaseRow, items: int) -> CaseSummary:
        return CaseSummary(**self._summary_fields(row), item_count=items)

    def _view(self, session: Session, row: CaseRow, who: Principal) -> CaseView:
        sizes = dict(
            session.execute(
                select(Blob.sha256, Blob.size).where(
                    Blob.sha256.in_([d.sha256 for d in row.documents])
                )
            ).all()
        )
        return CaseView(
            **self._summary_fields(row),
            item_count=len(row.items),
            formulary_only=row.formulary_only,
            closed_reason=row.closed_reason,
            applications=[
                {"id": a.id, "received_at": _aware(a.received_at), "eligibility": a.eligibility}
                for a in row.applications
            ],
            assignment=row.assignment,
            items=[_item_view(i) for i in row.items],
            documents=[
                DocumentView(
                    id=d.id,
                    sha256=d.sha256,
                    kind=d.kind,
                    date=d.date,
                    filename=d.filename,
                    media_type=d.media_type,
                    size=sizes.get(d.sha256, 0),
                    characters=len(d.text),
                    added_at=_aware(d.added_at),
                )
                for d in row.documents
            ],
            determined_at=_aware(row.determined_at),
            version=row.version,
        )

    # applications -----------------------------------------------------------------------

    def file_application(self, who: Principal, application: Application) -> FilingResult:
        """Screen an application and open its case, or join the open case of the same
        employee, requesting physician and date of injury (9792.10.4)."""
        require(who.role, "file_application")
        now = self._now()
        key = consolidation_key(application)
        employee = key[0]
        with self.store.write() as session:
            prior = self._prior_reviews(session, employee)
            result = eligibility.screen(
                application, prior=prior, settings=self.eligibility_settings
            )
            payload = application.model_dump(mode="json")
            screened = result.model_dump(mode="json")
            joined = None
            if result.status == "eligible":
                joined = session.execute(
                    select(CaseRow)
                    .where(
                        CaseRow.consolidation_key == _key(key),
                        CaseRow.status.in_(workflow().consolidate_into),
                    )
                    .order_by(CaseRow.received_at)
                    .limit(1)
                    .with_for_update()
                ).scalar_one_or_none()
            if joined is not None:
                start = len(joined.items)
                for offset, text in enumerate(application.treatments, start=1):
                    session.add(ItemRow(case_id=joined.id, n=start + offset, request=text))
                session.add(
                    ApplicationRow(
                        case_id=joined.id, payload=payload, eligibility=screened, received_at=now
                    )
                )
                joined.draft_documents_sha256 = None
                self._audit(
                    session,
                    who,
                    "consolidate_application",
                    joined.id,
                    None,
                    {"items_added": len(application.treatments)},
                )
                return FilingResult(
                    case_id=joined.id, status=joined.status, eligibility=screened, consolidated=True
                )
            row = CaseRow(
                id=self._next_number(session, now.year),
                status="received",
                consolidation_key=_key(key),
                employee_key=employee,
                expedited=application.expedited,
                formulary_only=application.formulary_only,
                received_at=now,
            )
            session.add(row)
            session.flush()
            session.add(
                ApplicationRow(
                    case_id=row.id, payload=payload, eligibility=screened, received_at=now
                )
            )
            for n, text in enumerate(application.treatments, start=1):
                session.add(ItemRow(case_id=row.id, n=n, request=text))
            self._audit(session, who, "file_application", row.id, None, {"status": "received"})
            self._move(session, who, row, f"screen_{result.status}")
            if result.status != "eligible":
                row.closed_reason = "; ".join(r.text for r in result.reasons)
            return FilingResult(case_id=row.id, status=row.status, eligibility=screened)

    def _prior_reviews(self, session: Session, employee: str) -> list[Any]:
        rows = session.execute(
            select(CaseRow.determined_at, ItemRow.request)
            .join(ItemRow, ItemRow.case_id == CaseRow.id)
            .where(CaseRow.employee_key == employee, CaseRow.status == "determined")
        ).all()
        return [
            eligibility.PriorReview(
                employee_key=employee, treatment=request, determined_on=_aware(at).date()
            )
            for at, request in rows
            if at is not None
        ]

    # reading --------------------------------------------------------------------------

    def list_cases(
        self,
        who: Principal,
        *,
        status: str | None = None,
        reviewer_id: str | None = None,
        overdue: bool | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[CaseSummary]:
        require(who.role, "list_cases")
        if status is not None and status not in workflow().states:
            known = ", ".join(workflow().states)
            raise UserError(f"status: {status!r} is not a case status ({known})")
        with self.store.read() as session:
            counts = (
                select(ItemRow.case_id, func.count().label("n"))
                .group_by(ItemRow.case_id)
                .subquery()
            )
            query = select(CaseRow, counts.c.n).outerjoin(counts, counts.c.case_id == CaseRow.id)
            if status:
                query = query.where(CaseRow.status == status)
            if who.role == "reviewer":
                query = query.where(CaseRow.reviewer_id == (who.reviewer_id or ""))
            if reviewer_id:
                query = query.where(CaseRow.reviewer_id == reviewer_id)
            rows = session.execute(query.order_by(CaseRow.received_at, CaseRow.id)).all()
            summaries = [self._summary(row, n or 0) for row, n in rows]
        if overdue is not None:
            summaries = [s for s in summaries if s.overdue == overdue]
        return summaries[offset : offset + limit]

    def get_case(self, who: Principal, case_id: str) -> CaseView:
        require(who.role, "read_case")
        with self.store.read() as session:
            return self._view(session, self._case(session, who, case_id), who)

    # documents and records -----------------------------------------------------------------

    def add_document(
        self,
        who: Principal,
        case_id: str,
        *,
        content: bytes,
        filename: str,
        kind: str,
        media_type: str = "text/plain",
        date: dt.date | None = None,
    ) -> DocumentView:
        require(who.role, "add_document")
        if kind not in workflow().document_kinds:
            known = ", ".join(workflow().document_kinds)
            raise UserError(f"kind: {kind!r} is not a kind of document ({known})")
        if not content:
            raise UserError(f"file: {filename!r} is empty")
        if len(content) > MAX_FILE_BYTES:
            raise UserError(f"file: {filename!r} is over the limit of {MAX_FILE_BYTES:,} bytes")
        text = drafting.document_text(content, filename, media_type)
        sha = hashlib.sha256(content).hexdigest()
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            if row.status not in workflow().accepts_documents:
                raise Conflict(
                    f"status: the case is {row.status}; documents can no longer be added"
                )
            if session.get(Blob, sha) is None:
                session.add(Blob(sha256=sha, content=content, size=len(content)))
            existing = next((d for d in row.documents if d.sha256 == sha), None)
            if existing is not None:
                return self._view(session, row, who).documents[row.documents.index(existing)]
            document = DocumentRow(
                case_id=row.id,
                sha256=sha,
                kind=kind,
                date=date,
                filename=filename,
                media_type=media_type,
                text=text,
                added_at=self._now(),
            )
            session.add(document)
            row.draft_documents_sha256 = None
            session.flush()
            self._audit(session, who, "add_document", row.id, None, {"sha256": sha, "kind": kind})
            session.refresh(row)
            view = self._view(session, row, who)
            return next(d for d in view.documents if d.id == document.id)

    def request_records(
        self, who: Principal, case_id: str, *, notice_by: Literal["mail", "electronic"] = "mail"
    ) -> CaseView:
        """The assignment notice goes out: the records clock starts (9792.10.5)."""
        require(who.role, "request_records")
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            self._move(session, who, row, "request_records")
            now = self._now()
            row.records_requested_at, row.notice_by = now, notice_by
            row.records_due = _deadlines(row).records_due
            return self._view(session, row, who)

    def complete_records(self, who: Principal, case_id: str) -> CaseView:
        """The coordinator has the complete file: the decision clock starts (LC 4610.6(d)) and
        the draft is computed from it."""
        require(who.role, "complete_records")
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            if not row.documents:
                raise Conflict("documents: the case has no documents; upload the records first")
            self._move(session, who, row, "complete_records")
            now = self._now()
            row.records_complete_at = now
            row.determination_due = _deadlines(row).determination_due
        self._ensure_draft(who, case_id)
        return self.get_case(who, case_id)

    def expedite(self, who: Principal, case_id: str, *, certification: str) -> CaseView:
        """Regular review becomes expedited on the treating physician's certification of an
        imminent and serious threat to health (9792.10.4(c))."""
        require(who.role, "expedite")
        if not certification.strip():
            raise UserError("certification: the physician's written certification is required")
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            if not is_open(row.status):
                raise Conflict(f"status: the case is {row.status}; it cannot be expedited")
            if row.expedited:
                raise Conflict("expedited: the case is already expedited")
            row.expedited = True
            clock = _deadlines(row)
            row.records_due, row.determination_due = clock.records_due, clock.determination_due
            self._audit(session, who, "expedite", row.id, {"expedited": False}, {"expedited": True})
            return self._view(session, row, who)

    def resolve_liability(self, who: Principal, case_id: str) -> CaseView:
        require(who.role, "resolve_liability")
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            self._move(session, who, row, "resolve_liability")
            row.closed_reason = None
            return self._view(session, row, who)

    def terminate(self, who: Principal, case_id: str, *, reason: str) -> CaseView:
        """The claims administrator authorised the treatment: the review ends (9792.10.6)."""
        require(who.role, "terminate")
        if not reason.strip():
            raise UserError("reason: say why the review is terminated")
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            self._move(session, who, row, "terminate")
            row.closed_reason = reason.strip()
            return self._view(session, row, who)

    # assignment ---------------------------------------------------------------------------

    def _needs(self, session: Session, row: CaseRow) -> CaseNeeds:
        names: list[str] = []
        specialties: list[str] = []
        for application in row.applications:
            filed = Application.model_validate(application.payload)
            names += [*parties(filed), filed.employee_name]
            specialties += filed.specialties_treating
        return CaseNeeds(
            parties=sorted(set(names)),
            treating_specialties=sorted(set(specialties)),
            service_kinds=drafting.service_kinds([i.request for i in row.items]),
        )

    def _roster(self, session: Session) -> list[ReviewerProfile]:
        rows = session.execute(select(ReviewerRow).order_by(ReviewerRow.id)).scalars()
        return [ReviewerProfile.model_validate(r.profile) for r in rows]

    def assign(self, who: Principal, case_id: str, *, reviewer_id: str | None = None) -> CaseView:
        """The qualified, conflict-free reviewer the rules choose, or the one named if they
        qualify. Either way the explanation and the candidates passed over are kept."""
        require(who.role, "assign")
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            next_state(row.status, "assign")  # refused before any work if the state is wrong
            needs = self._needs(session, row)
            roster = self._roster(session)
            if reviewer_id is not None:
                named = next((r for r in roster if r.id == reviewer_id), None)
                if named is None:
                    raise NotFound(f"reviewer_id: no reviewer {reviewer_id}")
                choice: Assignment = check_named(named, needs)
            else:
                load = dict(
                    session.execute(
                        select(CaseRow.reviewer_id, func.count())
                        .where(CaseRow.reviewer_id.is_not(None))
                        .where(CaseRow.status.in_(workflow().open))
                        .group_by(CaseRow.reviewer_id)
                    ).all()
                )
                choice = choose(roster, needs, load=load)
            if choice.reviewer_id is None:
                raise Conflict(f"reviewer: {choice.explanation}")
            self._move(session, who, row, "assign")
            row.reviewer_id = choice.reviewer_id
            row.assignment = choice.model_dump(mode="json")
            row.assigned_at = self._now()
            self._audit(
                session, who, "assign_reviewer", row.id, None, {"reviewer_id": choice.reviewer_id}
            )
            return self._view(session, row, who)

    # the draft and the reviewer's decisions --------------------------------------------------

    def _ensure_draft(self, who: Principal, case_id: str) -> dict[str, Any]:
        """The draft of the case's current documents: computed again, outside any writing
        transaction (the engine takes a while and SQLite has one writer), when the documents
        or items changed since the last one; stored only if they did not change meanwhile."""
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            sha = drafting.documents_sha256(row)
            if row.status == "determined" or (
                row.draft is not None and row.draft_documents_sha256 == sha
            ):
                return row.draft or {}
            if not row.documents:
                raise Conflict(
                    "documents: the case has no documents yet; there is nothing to draft from"
                )
            draft = drafting.draft(row, self._now().date())
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            if drafting.documents_sha256(row) == sha and row.draft_documents_sha256 != sha:
                row.draft, row.draft_documents_sha256 = draft, sha
                for item, drafted in zip(row.items, draft["items"], strict=True):
                    item.draft_decision = drafted["decision"]
        return draft

    def get_draft(self, who: Principal, case_id: str) -> dict[str, Any]:
        require(who.role, "read_draft")
        return self._ensure_draft(who, case_id)

    def decide_item(
        self,
        who: Principal,
        case_id: str,
        n: int,
        *,
        decision: str,
        reason: str | None = None,
        version: int | None = None,
    ) -> ItemView:
        """The assigned reviewer accepts or changes one item's drafted decision. A change needs
        a written reason. ``version`` is the item's version the reviewer saw: if someone else
        decided it since, the decision is refused, not lost."""
        require(who.role, "decide_item")
        if decision not in (UPHELD, OVERTURNED):
            raise UserError(f"decision: {decision!r} is neither Upheld nor Overturned")
        reason = (reason or "").strip() or None
        self._ensure_draft(who, case_id)
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            if starts_review(row.status):
                self._move(session, who, row, "start_review")
            elif not decidable(row.status):
                raise Conflict(f"status: the case is {row.status}; items are decided in review")
            if row.draft_documents_sha256 != drafting.documents_sha256(row):
                raise Conflict("draft: the documents changed just now; read the draft again")
            item = next((i for i in row.items if i.n == n), None)
            if item is None:
                raise NotFound(f"item: case {case_id} has no item {n}")
            if version is not None and version != item.version:
                raise Conflict(
                    f"version: item {n} is at version {item.version}, not {version}; someone "
                    "changed it since you read it: read it again"
                )
            if decision != item.draft_decision and reason is None:
                drafted = item.draft_decision or "left to the reviewer"
                raise UserError(
                    f"reason: the draft was {drafted}; a changed decision needs a written reason"
                )
            before = {"decision": item.decision, "reason": item.reason}
            item.decision, item.reason, item.decided_at = decision, reason, self._now()
            try:
                session.flush()
            except StaleDataError:
                raise Conflict(f"version: item {n} was changed meanwhile; read it again") from None
            self._audit(
                session,
                who,
                "decide_item",
                row.id,
                before,
                {"item": n, "decision": decision, "reason": reason, "draft": item.draft_decision},
            )
            return _item_view(item)

    # signing -----------------------------------------------------------------------------

    def sign(self, who: Principal, case_id: str) -> SignedView:
        """The assigned reviewer signs: the determination and its letters are made and stored
        once, with the reviewer, the time, the pack version and the input hash; the case is
        determined. All of it in one transaction."""
        require(who.role, "sign")
        return self._issue(who, case_id, changes={}, correction=None)

    def correct(
        self, who: Principal, case_id: str, *, changes: dict[int, tuple[str, str]], reason: str
    ) -> SignedView:
        """A signed determination is never changed: the reviewer issues a new one that names
        the one it corrects, with the changed items' decisions and reasons (``changes``: item
        number -> (decision, reason)) and why the correction is made."""
        require(who.role, "correct_determination")
        if not reason.strip():
            raise UserError("reason: say why the determination is corrected")
        if not changes:
            raise UserError("items: a correction changes at least one item")
        return self._issue(who, case_id, changes=changes, correction=reason.strip())

    def _issue(
        self,
        who: Principal,
        case_id: str,
        *,
        changes: dict[int, tuple[str, str]],
        correction: str | None,
    ) -> SignedView:
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            previous = self._signed(session, row.id)
            if correction is None and row.status != "in_review":
                raise Conflict(f"status: the case is {row.status}; only a case in review is signed")
            if correction is not None and previous is None:
                raise Conflict(f"status: the case is {row.status}; only a signed one is corrected")
            decisions = _decisions(row, changes)
            reviewer_row = session.get(ReviewerRow, row.reviewer_id)
            assert reviewer_row is not None
            profile = ReviewerProfile.model_validate(reviewer_row.profile)
            seen_version = row.version
            now = self._now()
            # A correction keeps the original's decision date, and so its edition.
            on = dt.date.fromisoformat(previous.determination["decision_date"]) if (
                previous and correction) else now.date()  # fmt: skip
            result = drafting.review(row, on)
            draft = row.draft or {}
        # The letters are made outside the writing transaction (a PDF takes a while); the
        # write below checks that nothing changed meanwhile.
        determination = drafting.signed_determination(result, decisions, profile.to_reviewer())
        made = drafting.letters(determination, result)
        document = determination_json(determination, date_basis=result.date.basis)
        document["signed_at"] = now.isoformat()
        if correction is not None and previous is not None:
            document["corrects"] = previous.id
            document["correction_reason"] = correction
        with self.store.write() as session:
            row = self._case(session, who, case_id, lock=True)
            if row.version != seen_version:
                raise Conflict("version: the case changed while it was being signed; sign again")
            if correction is None:
                self._move(session, who, row, "sign")
                row.determined_at = now
            for item in row.items:
                if item.n in changes:
                    item.decision, item.reason = changes[item.n]
                    item.decided_at = now
            signed = DeterminationRow(
                case_id=row.id,
                corrects_id=previous.id if correction and previous else None,
                reviewer_id=profile.id,
                signed_at=now,
                pack_version=determination.pack_version,
                input_sha256=determination.input_sha256,
                determination=document,
                draft=draft,
                letter_text=made.text,
                letter_html=made.html,
                letter_pdf=made.pdf,
            )
            session.add(signed)
            session.flush()
            self._audit(
                session,
                who,
                "sign" if correction is None else "correct_determination",
                row.id,
                None,
                {
                    "determination_id": signed.id,
                    "corrects": signed.corrects_id,
                    "reviewer_id": profile.id,
                    "pack_version": signed.pack_version,
                    "input_sha256": signed.input_sha256,
                    "decisions": [i.decision for i in determination.items],
                },
            )
            return SignedView(
                case_id=row.id,
                determination_id=signed.id,
                signed_at=now,
                reviewer_id=profile.id,
                pack_version=signed.pack_version,
                input_sha256=signed.input_sha256,
                corrects=signed.corrects_id,
            )

    def _signed(self, session: Session, case_id: str) -> DeterminationRow | None:
        return session.execute(
            select(DeterminationRow)
            .where(DeterminationRow.case_id == case_id)
            .order_by(DeterminationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def determination(self, who: Principal, case_id: str) -> dict[str, Any]:
        require(who.role, "read_letter")
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            signed = self._signed(session, row.id)
            if signed is None:
                raise NotFound(f"determination: case {case_id} is not signed yet")
            return signed.determination

    def letter(self, who: Principal, case_id: str, output: LetterFormat = "text") -> str | bytes:
        """The signed letter as stored; before signing, the draft letter (never to a party)."""
        require(who.role, "read_letter")
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            signed = self._signed(session, row.id)
            if signed is not None:
                if output == "pdf":
                    return signed.letter_pdf
                return signed.letter_html if output == "html" else signed.letter_text
            if who.role == "party":
                raise NotFound(f"letter: case {case_id} has no final letter yet")
            if not row.documents:
                raise Conflict("documents: the case has no documents yet; there is no letter")
            result = drafting.review(row, self._now().date())
        return drafting.render(result, output)

    # audit -------------------------------------------------------------------------------

    def audit_trail(self, who: Principal, case_id: str) -> list[dict[str, Any]]:
        require(who.role, "read_audit")
        with self.store.read() as session:
            self._case(session, who, case_id)
            return [audit.as_record(e) for e in audit.events(session, case_id)]

    def verify_audit(self, who: Principal) -> audit.ChainReport:
        require(who.role, "verify_audit")
        with self.store.read() as session:
            return audit.verify(session)

    # reviewers and accounts ------------------------------------------------------------------

    def list_reviewers(self, who: Principal) -> list[ReviewerProfile]:
        require(who.role, "list_reviewers")
        with self.store.read() as session:
            return self._roster(session)

    def save_reviewer(self, who: Principal, profile: ReviewerProfile) -> ReviewerProfile:
        require(who.role, "manage_reviewers")
        with self.store.write() as session:
            row = session.get(ReviewerRow, profile.id)
            data = profile.model_dump(mode="json")
            if row is None:
                session.add(ReviewerRow(id=profile.id, profile=data, active=profile.active))
                before = None
            else:
                before, row.profile, row.active = row.profile, data, profile.active
            self._audit(session, who, "save_reviewer", None, before, data)
            return profile

    def create_user(
        self,
        who: Principal,
        *,
        username: str,
        password: str,
        role: str,
        reviewer_id: str | None = None,
        email: str | None = None,
    ) -> int:
        """A new account. A reviewer's account names the roster entry it signs as; the email
        (stored lower-cased, unique) is what the workbench's sign-in form asks for."""
        require(who.role, "manage_users")
        if role not in workflow().roles:
            raise UserError(f"role: {role!r} is not a role ({', '.join(workflow().roles)})")
        if len(password) < 12:
            raise UserError("password: at least 12 characters")
        if (role == "reviewer") != (reviewer_id is not None):
            raise UserError("reviewer_id: a reviewer's account, and only theirs, names a reviewer")
        if email is not None:
            email = email.strip().lower()
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                raise UserError(f"email: {email!r} is not an email address")
        with self.store.write() as session:
            if reviewer_id is not None and session.get(ReviewerRow, reviewer_id) is None:
                raise NotFound(f"reviewer_id: no reviewer {reviewer_id}")
            if session.execute(select(User.id).where(User.username == username)).first():
                raise Conflict(f"username: {username!r} is taken")
            if email and session.execute(select(User.id).where(User.email == email)).first():
                raise Conflict(f"email: {email!r} is taken")
            user = User(
                username=username,
                email=email,
                role=role,
                password_hash=hash_password(password),
                reviewer_id=reviewer_id,
                created_at=self._now(),
            )
            session.add(user)
            session.flush()
            self._audit(
                session, who, "create_user", None, None, {"user": f"user:{user.id}", "role": role}
            )
            return user.id

    def add_party(self, who: Principal, case_id: str, user_id: int) -> None:
        require(who.role, "manage_users")
        with self.store.write() as session:
            self._case(session, who, case_id, lock=True)
            if session.get(CaseParty, (user_id, case_id)) is None:
                session.add(CaseParty(user_id=user_id, case_id=case_id))
                self._audit(session, who, "add_party", case_id, None, {"user": f"user:{user_id}"})

    # pages ---------------------------------------------------------------------------------
    # What the workbench's pages need beyond the operations above: sign-in by email, the
    # cookie's token, the texts the evidence offsets index, documents, a party's letters.

    def sign_in(self, login: str, password: str) -> tuple[Principal, str]:
        """The account named by email (any case) or user name, and a new token for it; the
        same Unauthenticated whichever of the two was wrong."""
        login = login.strip()
        with self.store.read() as session:
            username = session.execute(
                select(User.username).where(
                    (User.email == login.lower()) | (User.username == login)
                )
            ).scalar()
            if username is None:
                # The same Argon2 work as a wrong password, so the time does not tell either.
                _verify_nothing(password)
                raise Unauthenticated("email or password is wrong")
            try:
                who = check_password(session, username, password)
            except Unauthenticated:
                raise Unauthenticated("email or password is wrong") from None
        with self.store.write() as session:
            token = issue_token(session, who, now=self._now())
        log.info("sign_in by %s", who.actor)
        return who, token

    def principal_for(self, token: str) -> Principal:
        """Who holds this token (Unauthenticated if it is unknown or expired)."""
        with self.store.read() as session:
            return authenticate(session, token, now=self._now())

    def sign_out(self, token: str) -> None:
        """The token stops working (signing out twice is harmless)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.store.write() as session:
            session.execute(delete(Token).where(Token.token_sha256 == digest))

    def source_texts(self, who: Principal, case_id: str) -> dict[str, str]:
        """The texts the draft's evidence offsets index, by source name ("clinical_summary",
        "records[N]"): the draft's own copy when the engine kept one, else the case file the
        draft was computed from (``drafting.case_file``)."""
        require(who.role, "read_draft")
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            kept = (row.draft or {}).get("source_texts")
            if kept:
                return dict(kept)
            data = drafting.case_file(row)
        texts = {"clinical_summary": data["clinical_summary"]}
        texts |= {f"records[{i}]": r["text"] for i, r in enumerate(data["records"])}
        return texts

    def source_labels(self, who: Principal, case_id: str) -> dict[str, DocumentView | None]:
        """Which document each ``records[N]`` source is (None for the clinical summary, which
        joins every case summary)."""
        view = self.get_case(who, case_id)
        clinical = set(workflow().clinical_document_kinds) - {"case_summary"}
        records = [d for d in view.documents if d.kind in clinical]
        labels: dict[str, DocumentView | None] = {"clinical_summary": None}
        labels |= {f"records[{i}]": d for i, d in enumerate(records)}
        return labels

    def document(self, who: Principal, case_id: str, document_id: int) -> tuple[DocumentView, str]:
        """One document of the case and its text as read; the same reach as the case."""
        require(who.role, "read_case")
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            view = self._view(session, row, who)
            for stored, shown in zip(row.documents, view.documents, strict=True):
                if stored.id == document_id:
                    return shown, stored.text
        raise NotFound(f"document: case {case_id} has no document {document_id}")

    def document_content(
        self, who: Principal, case_id: str, document_id: int
    ) -> tuple[DocumentView, bytes]:
        """One document's bytes as uploaded; the same reach as the case."""
        shown, _text = self.document(who, case_id, document_id)
        with self.store.read() as session:
            blob = session.get(Blob, shown.sha256)
            assert blob is not None
            return shown, blob.content

    def signature(self, who: Principal, case_id: str) -> dict[str, Any] | None:
        """The case's latest signed determination: who signed it (roster id and name) and
        when; None before signing."""
        require(who.role, "read_letter")
        with self.store.read() as session:
            row = self._case(session, who, case_id)
            signed = self._signed(session, row.id)
            if signed is None:
                return None
            reviewer = session.get(ReviewerRow, signed.reviewer_id)
            name = reviewer.profile.get("name") if reviewer else None
            return {
                "determination_id": signed.id,
                "reviewer_id": signed.reviewer_id,
                "reviewer_name": name or signed.reviewer_id,
                "signed_at": _aware(signed.signed_at),
                "corrects": signed.corrects_id,
            }

    def party_letters(self, who: Principal) -> list[dict[str, Any]]:
        """A party's cases that have a final letter: case number and when it was signed."""
        require(who.role, "read_letter")
        with self.store.read() as session:
            rows = session.execute(
                select(DeterminationRow.case_id, func.max(DeterminationRow.signed_at))
                .join(CaseParty, CaseParty.case_id == DeterminationRow.case_id)
                .where(CaseParty.user_id == who.user_id)
                .group_by(DeterminationRow.case_id)
                .order_by(DeterminationRow.case_id)
            ).all()
        return [{"case_id": case_id, "signed_at": _aware(at)} for case_id, at in rows]

    def reviewer_names(self, who: Principal) -> dict[str, str]:
        """Reviewer names for the queue: the whole roster for those who may list it, a
        reviewer's own name for them, nothing for anyone else."""
        with self.store.read() as session:
            if who.role in workflow().permissions["list_reviewers"]:
                return {r.id: r.name for r in self._roster(session)}
            if who.role == "reviewer" and who.reviewer_id:
                row = session.get(ReviewerRow, who.reviewer_id)
                if row is not None:
                    return {row.id: str(row.profile.get("name") or row.id)}
        return {}


def _verify_nothing(password: str) -> None:
    with contextlib.suppress(VerificationError, InvalidHashError):
        PasswordHasher().verify(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return hash_password("not any account's password")


def _decisions(row: CaseRow, changes: dict[int, tuple[str, str]]) -> list[drafting.Decided]:
    """Each item's decision and reason as the reviewer gives them, with ``changes`` applied;
    every item must be decided."""
    unknown = sorted(set(changes) - {i.n for i in row.items})
    if unknown:
        raise NotFound(f"items: case {row.id} has no item {unknown[0]}")
    decided = []
    for item in row.items:
        decision, reason = changes.get(item.n, (item.decision, item.reason))
        if decision is None:
            raise Conflict(f"items: item {item.n} is not decided yet; decide every item first")
        if decision not in (UPHELD, OVERTURNED):
            raise UserError(
                f"items.{item.n}.decision: {decision!r} is neither Upheld nor Overturned"
            )
        if item.n in changes and not (reason or "").strip():
            raise UserError(f"items.{item.n}.reason: a corrected decision needs a written reason")
        decided.append(drafting.Decided(decision, reason))
    return decided


def _item_view(item: ItemRow) -> ItemView:
    return ItemView(
        n=item.n,
        request=item.request,
        draft_decision=item.draft_decision,
        decision=item.decision,
        reason=item.reason,
        version=item.version,
    )


def _deadlines(row: CaseRow) -> deadlines.Deadlines:
    """Both clocks from what has happened to the case (8 CCR 9792.10.5, LC 4610.6(d))."""
    return deadlines.deadlines(
        assigned_at=_aware(row.records_requested_at),
        notice_by=row.notice_by or "mail",  # type: ignore[arg-type]
        records_complete_at=_aware(row.records_complete_at),
        expedited=row.expedited,
        formulary_only=row.formulary_only,
    )
