"""The HTTP API (FastAPI): the service's operations under ``/api/v1``, each behind a bearer
token. The routes only translate: every rule is in the service layer, which the command
line shares. Errors are JSON, ``{"error": {"status": ..., "message": ...}}``, the message
naming the field."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy.orm.exc import StaleDataError

from openimr import __version__
from openimr.errors import UserError
from openimr.intake.limits import MAX_FILE_BYTES
from openimr.service import web
from openimr.service.application import Application
from openimr.service.auth import Principal, authenticate, check_password, issue_token
from openimr.service.cases import CaseService
from openimr.service.errors import Conflict, Forbidden, NotFound, Unauthenticated
from openimr.service.roster import ReviewerProfile
from openimr.service.views import CaseSummary, CaseView, DocumentView, FilingResult, ItemView

PREFIX = "/api/v1"
log = logging.getLogger("openimr.service.api")

_STATUS = [(NotFound, 404), (Forbidden, 403), (Conflict, 409), (Unauthenticated, 401)]


def _status(exc: UserError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 422)


def _error(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "request"


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    role: str


class RecordsRequest(BaseModel):
    notice_by: Literal["mail", "electronic"] = "mail"


class AssignmentRequest(BaseModel):
    reviewer_id: str | None = None
    """None: the service chooses."""


class ItemDecisionBody(BaseModel):
    decision: Literal["Upheld", "Overturned"]
    reason: str | None = None
    version: int | None = None
    """The item's version as read; a stale one is refused with 409."""


class CorrectedItem(BaseModel):
    n: int
    decision: Literal["Upheld", "Overturned"]
    reason: str


class Correction(BaseModel):
    items: list[CorrectedItem]
    reason: str
    """Why the signed determination is corrected."""


class Certification(BaseModel):
    certification: str


class Termination(BaseModel):
    reason: str


_MEDIA = {
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def _letter_format(format_: str | None, accept: str) -> str:
    if format_:
        if format_ not in _MEDIA:
            raise UserError(f"format: {format_!r} is not text, html or pdf")
        return format_
    for name, media in (("pdf", "application/pdf"), ("html", "text/html"), ("text", "text/plain")):
        if media in accept:
            return name
    return "text"


_BEARER = OAuth2PasswordBearer(tokenUrl=f"{PREFIX}/token", auto_error=False)


def _service(request: Request) -> CaseService:
    return request.app.state.service


def _who(request: Request, token: Annotated[str | None, Depends(_BEARER)]) -> Principal:
    if not token:
        raise Unauthenticated("token: log in first (POST /api/v1/token)")
    service = _service(request)
    with service.store.read() as session:
        return authenticate(session, token, now=service._now())


User = Annotated[Principal, Depends(_who)]


def create_app(service: CaseService) -> FastAPI:
    app = FastAPI(
        title="openimr",
        version=__version__,
        summary="Independent Medical Review cases: applications to signed determinations.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.service = service

    @app.exception_handler(UserError)
    async def _user_error(_request: Request, exc: UserError) -> JSONResponse:
        return _error(_status(exc), str(exc))

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        # Two writers of the same row: the later one is refused, never silently applied.
        return _error(409, "version: someone changed this case meanwhile; read it again")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        message = f"{_field(tuple(first.get('loc', ())))}: {first.get('msg', 'invalid')}"
        return _error(422, message)

    @app.post(f"{PREFIX}/token", response_model=Token, tags=["accounts"])
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
        """Log in with a user name and password; use the token as `Authorization: Bearer`."""
        with service.store.read() as session:
            user = check_password(session, form.username, form.password)
        with service.store.write() as session:
            value = issue_token(session, user, now=service._now())
        return Token(access_token=value, role=user.role)

    @app.post(
        f"{PREFIX}/applications", response_model=FilingResult, status_code=201, tags=["cases"]
    )
    def file_application(application: Application, user: User) -> FilingResult:
        """File an IMR application: the case is opened and screened for eligibility."""
        return service.file_application(user, application)

    @app.get(f"{PREFIX}/cases", response_model=list[CaseSummary], tags=["cases"])
    def list_cases(
        user: User,
        status: str | None = None,
        reviewer: str | None = None,
        overdue: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[CaseSummary]:
        """The queue: a reviewer sees only the cases assigned to them."""
        return service.list_cases(
            user, status=status, reviewer_id=reviewer, overdue=overdue, limit=limit, offset=offset
        )

    @app.get(f"{PREFIX}/cases/{{case_id}}", response_model=CaseView, tags=["cases"])
    def get_case(case_id: str, user: User) -> CaseView:
        return service.get_case(user, case_id)

    @app.post(
        f"{PREFIX}/cases/{{case_id}}/documents",
        response_model=DocumentView,
        status_code=201,
        tags=["records"],
    )
    def add_document(
        case_id: str,
        user: User,
        file: Annotated[UploadFile, File(description="A .txt or .pdf record")],
        kind: Annotated[str, Form()] = "medical_record",
        date: Annotated[dt.date | None, Form()] = None,
    ) -> DocumentView:
        content = file.file.read(MAX_FILE_BYTES + 1)  # one byte over: refused, not cut
        return service.add_document(
            user,
            case_id,
            content=content,
            filename=file.filename or "document",
            kind=kind,
            media_type=file.content_type or "application/octet-stream",
            date=date,
        )

    @app.post(
        f"{PREFIX}/cases/{{case_id}}/records-request", response_model=CaseView, tags=["records"]
    )
    def records_request(case_id: str, user: User, body: RecordsRequest | None = None) -> CaseView:
        """Send the assignment notice: the records clock starts (9792.10.5)."""
        return service.request_records(
            user, case_id, notice_by=(body or RecordsRequest()).notice_by
        )

    @app.post(
        f"{PREFIX}/cases/{{case_id}}/records-complete", response_model=CaseView, tags=["records"]
    )
    def records_complete(case_id: str, user: User) -> CaseView:
        return service.complete_records(user, case_id)

    @app.post(f"{PREFIX}/cases/{{case_id}}/assignment", response_model=CaseView, tags=["cases"])
    def assignment(case_id: str, user: User, body: AssignmentRequest | None = None) -> CaseView:
        """Assign a reviewer: the service's choice, or the one named if they qualify."""
        return service.assign(user, case_id, reviewer_id=(body or AssignmentRequest()).reviewer_id)

    @app.post(f"{PREFIX}/cases/{{case_id}}/expedite", response_model=CaseView, tags=["cases"])
    def expedite(case_id: str, body: Certification, user: User) -> CaseView:
        return service.expedite(user, case_id, certification=body.certification)

    @app.post(
        f"{PREFIX}/cases/{{case_id}}/liability-resolved", response_model=CaseView, tags=["cases"]
    )
    def liability_resolved(case_id: str, user: User) -> CaseView:
        return service.resolve_liability(user, case_id)

    @app.post(f"{PREFIX}/cases/{{case_id}}/termination", response_model=CaseView, tags=["cases"])
    def termination(case_id: str, body: Termination, user: User) -> CaseView:
        return service.terminate(user, case_id, reason=body.reason)

    @app.get(f"{PREFIX}/cases/{{case_id}}/draft", tags=["review"])
    def draft(case_id: str, user: User) -> dict[str, Any]:
        """The engine's draft determination (the JSON contract of `openimr review`)."""
        return service.get_draft(user, case_id)

    @app.put(f"{PREFIX}/cases/{{case_id}}/items/{{n}}", response_model=ItemView, tags=["review"])
    def decide(case_id: str, n: int, body: ItemDecisionBody, user: User) -> ItemView:
        return service.decide_item(
            user, case_id, n, decision=body.decision, reason=body.reason, version=body.version
        )

    @app.post(f"{PREFIX}/cases/{{case_id}}/signature", status_code=201, tags=["review"])
    def signature(case_id: str, user: User) -> dict[str, Any]:
        return service.sign(user, case_id).model_dump(mode="json")

    @app.post(f"{PREFIX}/cases/{{case_id}}/corrections", status_code=201, tags=["review"])
    def correction(case_id: str, body: Correction, user: User) -> dict[str, Any]:
        """Correct a signed determination: a new determination, linked to the one it corrects
        (which stays as it was)."""
        changes = {i.n: (i.decision, i.reason) for i in body.items}
        return service.correct(user, case_id, changes=changes, reason=body.reason).model_dump(
            mode="json"
        )

    @app.get(f"{PREFIX}/cases/{{case_id}}/determination", tags=["review"])
    def determination(case_id: str, user: User) -> dict[str, Any]:
        return service.determination(user, case_id)

    @app.get(f"{PREFIX}/cases/{{case_id}}/letter", tags=["review"])
    def letter(
        case_id: str,
        request: Request,
        user: User,
        format: Annotated[str | None, Query(description="text, html or pdf")] = None,
    ) -> Response:
        """The Final Determination Letter (`?format=` or `Accept`): signed once signed,
        else the draft (never shown to a party)."""
        output = _letter_format(format, request.headers.get("accept", ""))
        body = service.letter(user, case_id, output)  # type: ignore[arg-type]
        return Response(body, media_type=_MEDIA[output])

    @app.get(f"{PREFIX}/cases/{{case_id}}/audit", tags=["audit"])
    def case_audit(case_id: str, user: User) -> list[dict[str, Any]]:
        return service.audit_trail(user, case_id)

    @app.get(f"{PREFIX}/audit/verify", tags=["audit"])
    def verify(user: User) -> dict[str, Any]:
        return service.verify_audit(user).model_dump()

    @app.get(f"{PREFIX}/reviewers", response_model=list[ReviewerProfile], tags=["reviewers"])
    def reviewers(user: User) -> list[ReviewerProfile]:
        return service.list_reviewers(user)

    @app.post(
        f"{PREFIX}/reviewers", response_model=ReviewerProfile, status_code=201, tags=["reviewers"]
    )
    def save_reviewer(profile: ReviewerProfile, user: User) -> ReviewerProfile:
        return service.save_reviewer(user, profile)

    # The workbench's pages and their static files (service/web.py), on the same app.
    web.install(app)
    return app
