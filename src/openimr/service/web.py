"""The reviewer's workbench: server-rendered HTML pages on the same app as the JSON API.

The pages only translate, as the API does: every rule and every role or case check is in
``CaseService``; nothing here reads the store. The session cookie holds an API token issued
at sign-in; every form carries a CSRF token derived from it (HMAC-SHA256 keyed by the token),
so a page of another site cannot post in the user's name."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import secrets
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any, get_args
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, File, Form, Request, UploadFile
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from openimr.errors import UserError
from openimr.intake.limits import MAX_FILE_BYTES
from openimr.service.application import FiledBy, parse_application
from openimr.service.auth import TOKEN_LIFETIME, Principal
from openimr.service.cases import CaseService
from openimr.service.errors import Conflict, Forbidden, NotFound, Unauthenticated
from openimr.service.marks import Span, criterion_key, layers, marked
from openimr.service.roster import ReviewerProfile
from openimr.service.sessions import Throttle, csrf_ok, csrf_token, is_https
from openimr.service.workflow import decidable, workflow

log = logging.getLogger("openimr.service.web")

SESSION_COOKIE = "openimr_session"
PRESESSION_COOKIE = "openimr_presession"
"""Before sign-in: the key of the sign-in form's CSRF token."""
CSRF_FIELD = "csrf_token"
CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
LETTER_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
"""The stored letter carries its own print stylesheet inline; it has no script."""
SIGN_IN_FAILED = "Email or password is wrong"

STATUS_TEXT = {
    "met": "met",
    "not_met": "not met",
    "not_documented": "not documented",
    "needs_reviewer": "needs the reviewer",
}


# templates and evidence marks -----------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("openimr.service", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.globals["status_text"] = STATUS_TEXT
    return env


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "not set"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _day(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return "not set"
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(dt.UTC).date()
    return moment.isoformat()


# the route class: HTML errors, security headers ---------------------------------------------


class _SignInFirst(Exception):
    pass


class _BadCsrf(Exception):
    pass


class PageRoute(APIRoute):
    """Every page route: a refusal becomes an HTML page with a plain message (never a
    traceback), and every response carries the page's security headers."""

    def get_route_handler(self) -> Callable:  # type: ignore[type-arg]
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except _SignInFirst:
                target = request.url.path
                if request.url.query:
                    target += f"?{request.url.query}"
                response = RedirectResponse(
                    f"/sign-in?{urlencode({'next': target})}", status_code=303
                )
            except _BadCsrf:
                response = _error_page(
                    request,
                    403,
                    "Form expired",
                    "The form has expired. Go back, reload, and try again.",
                )
            except UserError as exc:
                response = _user_error_page(request, exc)
            except StaleDataError:
                response = _error_page(
                    request,
                    409,
                    "Changed meanwhile",
                    "Someone changed this case meanwhile; reload it.",
                )
            except RequestValidationError:
                response = _error_page(request, 422, "Not understood", "The form was not complete.")
            except Exception:
                log.exception("page %s failed", request.url.path)
                response = _error_page(
                    request, 500, "Something went wrong", "The page could not be made."
                )
            _secure_headers(response)
            return response

        return handler


def _secure_headers(response: Response) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")


def _user_error_page(request: Request, exc: UserError) -> Response:
    message = str(exc)
    if isinstance(exc, Unauthenticated):
        return RedirectResponse("/sign-in", status_code=303)
    if isinstance(exc, NotFound):
        title = "No such case" if message.startswith("case:") else "Not found"
        return _error_page(request, 404, title, message)
    if isinstance(exc, Forbidden):
        return _error_page(request, 403, "Not allowed", message)
    if isinstance(exc, Conflict):
        return _error_page(request, 409, "Not possible now", message)
    return _error_page(request, 422, "Not accepted", message)


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    who = getattr(request.state, "who", None)
    return _render(request, "error.html.j2", {"title": title, "message": message}, who, status)


def _render(
    request: Request,
    template: str,
    context: dict[str, Any],
    who: Principal | None,
    status: int = 200,
) -> HTMLResponse:
    env: Environment = request.app.state.web_templates
    token = getattr(request.state, "token", None)
    names = context.pop("_names", None)
    body = env.get_template(template).render(
        {
            "who": who,
            "csrf": csrf_token(token) if token else "",
            "role_label": workflow().roles,
            "may": _may(who),
            "names": names or {},
            **context,
        }
    )
    return HTMLResponse(body, status_code=status)


def _may(who: Principal | None) -> dict[str, bool]:
    if who is None:
        return {}
    return {action: who.role in roles for action, roles in workflow().permissions.items()}


# helpers of the routes ---------------------------------------------------------------------


def _service(request: Request) -> CaseService:
    return request.app.state.service


def _who(request: Request) -> Principal:
    """The signed-in user, or a redirect to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _SignInFirst
    try:
        who = _service(request).principal_for(token)
    except Unauthenticated:
        raise _SignInFirst from None
    request.state.who, request.state.token = who, token
    return who


def _posted(request: Request, given: str) -> Principal:
    """The signed-in user of a form post whose CSRF token is right; else refused (403)."""
    who = _who(request)
    if not csrf_ok(request.state.token, given):
        raise _BadCsrf
    return who


def _redirect(path: str, **query: str) -> RedirectResponse:
    target = f"{path}?{urlencode(query)}" if query else path
    return RedirectResponse(target, status_code=303)


def _cookie(response: Response, request: Request, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=is_https(request), path="/", **kw
    )


def _days_left(due: dt.datetime | None, now: dt.datetime) -> str:
    if due is None:
        return "clock not started"
    days = math.floor((due - now).total_seconds() / 86400)
    if due <= now:
        late = math.ceil((now - due).total_seconds() / 86400)
        return f"{late} day{'s' if late != 1 else ''} past due"
    if days == 0:
        hours = math.ceil((due - now).total_seconds() / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} left"
    return f"{days} day{'s' if days != 1 else ''} left"


def _safe_next(target: str | None) -> str:
    # Only a path of this site: never a redirect to another one.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


# the routes ------------------------------------------------------------------------------


router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            _service(request).principal_for(token)
            return _redirect("/queue")
        except Unauthenticated:
            pass
    return _redirect("/sign-in")


def _sign_in_page(
    request: Request,
    *,
    error: str | None = None,
    login: str = "",
    next_: str = "",
    status: int = 200,
) -> Response:
    presession = request.cookies.get(PRESESSION_COOKIE) or secrets.token_urlsafe(32)
    response = _render(
        request,
        "sign_in.html.j2",
        {
            "error": error,
            "login": login,
            "next": next_,
            "sign_in_csrf": csrf_token(presession, "openimr-sign-in"),
        },
        None,
        status,
    )
    _cookie(response, request, PRESESSION_COOKIE, presession)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "") -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            _service(request).principal_for(token)
            return _redirect(_safe_next(next))
        except Unauthenticated:
            pass
    return _sign_in_page(request, next_=next)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request.cookies.get(PRESESSION_COOKIE), csrf_token, "openimr-sign-in"):
        raise _BadCsrf
    throttle: Throttle = request.app.state.web_throttle
    await throttle.wait(email)
    try:
        _signed_in, token = await _in_thread(_service(request).sign_in, email, password)
    except Unauthenticated:
        throttle.failed(email)
        return _sign_in_page(request, error=SIGN_IN_FAILED, login=email, next_=next, status=401)
    throttle.succeeded(email)
    response = _redirect(_safe_next(next))
    _cookie(
        response,
        request,
        SESSION_COOKIE,
        token,
        max_age=int(TOKEN_LIFETIME.total_seconds()),
    )
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    _posted(request, csrf_token)
    _service(request).sign_out(request.state.token)
    response = _redirect("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/queue")
def queue(request: Request, status: str = "", reviewer: str = "") -> Response:
    who = _who(request)
    service = _service(request)
    if who.role == "party":
        letters = service.party_letters(who)
        return _render(request, "letters.html.j2", {"letters": letters}, who)
    reviewer = "" if who.role == "reviewer" else reviewer
    cases = service.list_cases(who, status=status or None, reviewer_id=reviewer or None, limit=1000)
    now = service._now()
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    cases.sort(
        key=lambda c: (
            not c.expedited,
            c.determination_due.due or c.records_due.due or far,
            c.received_at,
            c.id,
        )
    )
    rows = []
    for case in cases:
        clock = case.determination_due if case.determination_due.due else case.records_due
        rows.append(
            {
                "case": case,
                "clock": "decision" if case.determination_due.due else "records",
                "due": clock.due,
                "left": _days_left(clock.due, now),
            }
        )
    names = service.reviewer_names(who)
    return _render(
        request,
        "queue.html.j2",
        {
            "rows": rows,
            "states": workflow().states,
            "status": status,
            "reviewer": reviewer,
            "_names": names,
        },
        who,
    )


def _case_context(request: Request, who: Principal, case_id: str) -> dict[str, Any]:
    service = _service(request)
    view = service.get_case(who, case_id)
    signed = service.signature(who, case_id)
    draft: dict[str, Any] | None = None
    if view.documents:
        try:
            draft = service.get_draft(who, case_id)
        except Conflict:
            draft = None
    texts = service.source_texts(who, case_id) if draft else {}
    labels = service.source_labels(who, case_id) if draft else {}
    spans: dict[str, list[Span]] = {name: [] for name in texts}
    items = []
    for n, drafted in enumerate((draft or {}).get("items", []), start=1):
        criteria = []
        for index, criterion in enumerate(drafted.get("criteria", []), start=1):
            key = criterion_key(n, index)
            count = 0
            for evidence in criterion.get("evidence", []):
                source = evidence.get("source", "clinical_summary")
                if source in spans:
                    spans[source].append(
                        Span(evidence["start"], evidence["end"], key, criterion["text"])
                    )
                    count += 1
            criteria.append({**criterion, "key": key, "marks": count})
        stored = next((i for i in view.items if i.n == n), None)
        items.append({"n": n, "draft": drafted, "criteria": criteria, "stored": stored})
    sources = []
    for name, text in texts.items():
        doc = labels.get(name)
        if name == "clinical_summary":
            label = "clinical case summary"
        elif doc is not None:
            label = f"record {name[8:-1]}: {doc.kind.replace('_', ' ')}, {doc.filename}"
        else:
            label = name
        copies = layers(text, spans[name])
        sources.append(
            {
                "name": name,
                "label": label,
                "copies": [marked(text, layer) for layer in copies],
                "empty": not text.strip(),
            }
        )
    may_decide = (
        who.role == "reviewer"
        and who.reviewer_id is not None
        and view.reviewer_id == who.reviewer_id
        and decidable(view.status)
        and signed is None
        and draft is not None
    )
    reviewers = []
    if who.role in workflow().permissions["assign"] and view.status == "eligible":
        reviewers = service.list_reviewers(who)
    return {
        "case": view,
        "signed": signed,
        "draft": draft,
        "items": items,
        "sources": sources,
        "may_decide": may_decide,
        "kinds": workflow().document_kinds,
        "reviewers": reviewers,
        "states": workflow().states,
        "open": view.status in workflow().open,
        "accepts_documents": view.status in workflow().accepts_documents,
        "left": _days_left(view.determination_due.due or view.records_due.due, service._now()),
        "errors": {},
        "values": {},
        "notice": None,
        "_names": service.reviewer_names(who),
    }


_NOTICES = {
    "filed": "The application was filed and screened.",
    "uploaded": "The record was uploaded.",
    "notice": "The assignment notice was sent: the records clock runs.",
    "complete": "The records are complete: the decision clock runs and the draft is made.",
    "assigned": "A reviewer was assigned.",
    "signed": "The determination is signed.",
    "expedited": "The review is expedited: the deadlines are shorter.",
    "resolved": "Liability is resolved: the case is eligible.",
    "terminated": "The review is terminated.",
}


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, done: str = "", saved: int = 0) -> Response:
    who = _who(request)
    context = _case_context(request, who, case_id)
    if saved:
        context["notice"] = f"The decision on item {saved} was saved."
    elif done in _NOTICES:
        context["notice"] = _NOTICES[done]
    return _render(request, "case.html.j2", context, who)


@router.post("/cases/{case_id}/items/{n}")
def decide(
    request: Request,
    case_id: str,
    n: int,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    try:
        _service(request).decide_item(
            who,
            case_id,
            n,
            decision=decision,
            reason=reason,
            version=int(version) if version.isdigit() else None,
        )
    except (NotFound, Forbidden):
        raise
    except UserError as exc:
        context = _case_context(request, who, case_id)
        field = "reason" if str(exc).startswith("reason:") else "decision"
        context["errors"] = {n: {"field": field, "message": _plain(exc)}}
        context["values"] = {n: {"decision": decision, "reason": reason}}
        status = 409 if isinstance(exc, Conflict) else 422
        return _render(request, "case.html.j2", context, who, status)
    return RedirectResponse(f"/cases/{quote(case_id)}?saved={n}#item-{n}", status_code=303)


def _plain(exc: UserError) -> str:
    """The message without its leading field name, as a sentence."""
    text = str(exc)
    head, _, rest = text.partition(": ")
    text = rest if rest and " " not in head else text
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@router.get("/cases/{case_id}/signature")
def confirm_signature(request: Request, case_id: str) -> Response:
    who = _who(request)
    context = _case_context(request, who, case_id)
    if not context["may_decide"]:
        raise Forbidden("sign: only the assigned reviewer signs, while the case is in review")
    context["error"] = None
    return _render(request, "sign.html.j2", context, who)


@router.post("/cases/{case_id}/signature")
def sign(
    request: Request,
    case_id: str,
    no_conflict: Annotated[str, Form()] = "",
    reviewed: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    error = None
    missing = [
        name for name, value in (("no_conflict", no_conflict), ("reviewed", reviewed)) if not value
    ]
    if missing:
        error = "Confirm both statements before signing."
    else:
        try:
            _service(request).sign(who, case_id)
        except (NotFound, Forbidden):
            raise
        except UserError as exc:
            error = _plain(exc)
    if error:
        context = _case_context(request, who, case_id)
        context["error"] = error
        context["missing"] = missing
        return _render(request, "sign.html.j2", context, who, 422)
    return _redirect(f"/cases/{quote(case_id)}", done="signed")


@router.get("/cases/{case_id}/letter")
def letter_html(request: Request, case_id: str) -> Response:
    who = _who(request)
    body = _service(request).letter(who, case_id, "html")
    response = HTMLResponse(str(body))
    response.headers["Content-Security-Policy"] = LETTER_CSP
    return response


@router.get("/cases/{case_id}/letter.pdf")
def letter_pdf(request: Request, case_id: str) -> Response:
    who = _who(request)
    body = _service(request).letter(who, case_id, "pdf")
    return Response(
        bytes(body) if isinstance(body, bytes) else str(body).encode(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(case_id)}.pdf"'},
    )


def _filename(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return cleaned.strip("._") or "document"


@router.get("/cases/{case_id}/documents/{document_id}")
def document_page(request: Request, case_id: str, document_id: int) -> Response:
    who = _who(request)
    document, text = _service(request).document(who, case_id, document_id)
    return _render(
        request,
        "document.html.j2",
        {"case_id": case_id, "document": document, "text": text},
        who,
    )


@router.get("/cases/{case_id}/documents/{document_id}/download")
def document_download(request: Request, case_id: str, document_id: int) -> Response:
    who = _who(request)
    document, content = _service(request).document_content(who, case_id, document_id)
    is_pdf = document.filename.lower().endswith(".pdf") or document.media_type.startswith(
        "application/pdf"
    )
    media = "application/pdf" if is_pdf else "text/plain; charset=utf-8"
    if not is_pdf and not document.filename.lower().endswith(".txt"):
        media = "application/octet-stream"
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(document.filename)}"',
            # An uploaded file is never run as a page of this site.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.post("/cases/{case_id}/documents")
def upload(
    request: Request,
    case_id: str,
    file: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form()] = "medical_record",
    date: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    if file is None or not file.filename:
        raise UserError("file: choose a file to upload")
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise UserError(f"date: {date!r} is not a date (YYYY-MM-DD)") from None
    content = file.file.read(MAX_FILE_BYTES + 1)  # one byte over: refused, not cut
    _service(request).add_document(
        who,
        case_id,
        content=content,
        filename=file.filename,
        kind=kind,
        media_type=file.content_type or "application/octet-stream",
        date=day,
    )
    return _redirect(f"/cases/{quote(case_id)}", done="uploaded")


@router.post("/cases/{case_id}/records-request")
def records_request(
    request: Request,
    case_id: str,
    notice_by: Annotated[str, Form()] = "mail",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    if notice_by not in ("mail", "electronic"):
        raise UserError(f"notice_by: {notice_by!r} is neither mail nor electronic")
    _service(request).request_records(who, case_id, notice_by=notice_by)  # type: ignore[arg-type]
    return _redirect(f"/cases/{quote(case_id)}", done="notice")


@router.post("/cases/{case_id}/records-complete")
def records_complete(
    request: Request, case_id: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    who = _posted(request, csrf_token)
    _service(request).complete_records(who, case_id)
    return _redirect(f"/cases/{quote(case_id)}", done="complete")


@router.post("/cases/{case_id}/assignment")
def assign(
    request: Request,
    case_id: str,
    reviewer_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    _service(request).assign(who, case_id, reviewer_id=reviewer_id or None)
    return RedirectResponse(f"/cases/{quote(case_id)}?done=assigned#assignment", status_code=303)


@router.post("/cases/{case_id}/expedite")
def expedite(
    request: Request,
    case_id: str,
    certification: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    _service(request).expedite(who, case_id, certification=certification)
    return _redirect(f"/cases/{quote(case_id)}", done="expedited")


@router.post("/cases/{case_id}/liability-resolved")
def liability_resolved(
    request: Request, case_id: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    who = _posted(request, csrf_token)
    _service(request).resolve_liability(who, case_id)
    return _redirect(f"/cases/{quote(case_id)}", done="resolved")


@router.post("/cases/{case_id}/termination")
def terminate(
    request: Request,
    case_id: str,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    _service(request).terminate(who, case_id, reason=reason)
    return _redirect(f"/cases/{quote(case_id)}", done="terminated")


@router.get("/cases/{case_id}/audit")
def audit_page(request: Request, case_id: str) -> Response:
    who = _who(request)
    service = _service(request)
    events = service.audit_trail(who, case_id)
    chain = (
        service.verify_audit(who) if who.role in workflow().permissions["verify_audit"] else None
    )
    return _render(
        request, "audit.html.j2", {"case_id": case_id, "events": events, "chain": chain}, who
    )


# applications -----------------------------------------------------------------------------

APPLICATION_FIELDS: list[tuple[str, str, str]] = [
    # (field, label, input kind)
    ("employee_name", "Employee name", "text"),
    ("employee_id", "Employee or claim number", "text"),
    ("date_of_injury", "Date of injury", "date"),
    ("requesting_physician", "Requesting physician", "text"),
    ("claims_administrator", "Claims administrator", "text"),
    ("employer", "Employer", "text"),
    ("insurer", "Insurer", "text"),
    ("filed_by", "Filed by", "filed_by"),
    ("signed", "Signed by the employee or representative", "check"),
    ("ur_decision_attached", "UR decision attached", "check"),
    ("ur_decision_date", "UR decision date", "date"),
    ("ur_served_by", "UR decision served by", "served_by"),
    ("filed_on", "Filed on", "date"),
    ("treatments", "Disputed treatments (one a line)", "lines"),
    ("liability_disputed", "Liability disputed", "check"),
    ("expedited", "Expedited (physician certified an imminent, serious threat)", "check"),
    ("formulary_only", "Formulary drugs only", "check"),
    ("material_change", "Material change since a prior review", "check"),
    ("specialties_treating", "Treating specialties (one a line)", "lines"),
    ("providers", "Providers (one a line)", "lines"),
    ("medical_groups", "Medical groups (one a line)", "lines"),
]
FILED_BY = list(get_args(FiledBy))


def _application_page(
    request: Request, who: Principal, values: dict[str, Any], error: str | None, status: int
) -> Response:
    bad = set()
    if error:
        for part in error.split("; "):
            bad.add(part.split(":")[0].split(".")[0].strip())
    return _render(
        request,
        "application.html.j2",
        {
            "fields": APPLICATION_FIELDS,
            "values": values,
            "error": error,
            "bad": bad,
            "filed_by": FILED_BY,
            "served_by": ["mail", "electronic", "personal"],
        },
        who,
        status,
    )


@router.get("/applications/new")
def new_application(request: Request) -> Response:
    who = _who(request)
    if not _may(who)["file_application"]:
        raise Forbidden(f"role: a {who.role} may not file application")
    values = {"filed_by": "employee", "ur_served_by": "mail", "signed": True}
    return _application_page(request, who, values, None, 200)


@router.post("/applications/new")
async def file_application(request: Request) -> Response:
    form = await request.form()
    who = await _in_thread(_posted, request, str(form.get(CSRF_FIELD, "")))
    values: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for name, _label, kind in APPLICATION_FIELDS:
        raw = str(form.get(name, "") or "")
        if kind == "check":
            values[name] = data[name] = bool(raw)
        elif kind == "lines":
            values[name] = raw
            data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            values[name] = raw
            if raw.strip():
                data[name] = raw.strip()
            elif name in ("employee_id", "employer", "insurer"):
                data[name] = None
    try:
        application = parse_application(data)
        filed = await _in_thread(_service(request).file_application, who, application)
    except (Forbidden, NotFound):
        raise
    except UserError as exc:
        return _application_page(request, who, values, str(exc).removeprefix("application: "), 422)
    return _redirect(f"/cases/{quote(filed.case_id)}", done="filed")


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    return await run_in_threadpool(function, *args)


# reviewers --------------------------------------------------------------------------------


def _reviewers_page(
    request: Request,
    who: Principal,
    editing: dict[str, Any] | None,
    error: str | None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    roster = _service(request).list_reviewers(who)
    return _render(
        request,
        "reviewers.html.j2",
        {"roster": roster, "editing": editing or {}, "error": error, "notice": notice},
        who,
        status,
    )


def _profile_values(profile: ReviewerProfile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "name": profile.name,
        "licence_states": ", ".join(profile.licence_states),
        "board_certifications": "\n".join(profile.board_certifications),
        "specialties": "\n".join(profile.specialties),
        "years_in_practice": f"{profile.years_in_practice:g}",
        "hours_per_week": f"{profile.hours_per_week:g}",
        "affiliations": "\n".join(profile.affiliations),
        "active": profile.active,
    }


@router.get("/reviewers")
def reviewers(request: Request, edit: str = "", saved: str = "") -> Response:
    who = _who(request)
    editing = None
    if edit:
        found = next((r for r in _service(request).list_reviewers(who) if r.id == edit), None)
        if found is None:
            raise NotFound(f"reviewer: no reviewer {edit}")
        editing = _profile_values(found)
    notice = f"Reviewer {saved} was saved." if saved else None
    return _reviewers_page(request, who, editing, None, notice=notice)


@router.post("/reviewers")
def save_reviewer(
    request: Request,
    id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    licence_states: Annotated[str, Form()] = "",
    board_certifications: Annotated[str, Form()] = "",
    specialties: Annotated[str, Form()] = "",
    years_in_practice: Annotated[str, Form()] = "",
    hours_per_week: Annotated[str, Form()] = "",
    affiliations: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _posted(request, csrf_token)
    values = {
        "id": id,
        "name": name,
        "licence_states": licence_states,
        "board_certifications": board_certifications,
        "specialties": specialties,
        "years_in_practice": years_in_practice,
        "hours_per_week": hours_per_week,
        "affiliations": affiliations,
        "active": bool(active),
    }
    try:
        profile = ReviewerProfile.model_validate(
            {
                "id": id.strip(),
                "name": name,
                "licence_states": _lines(licence_states),
                "board_certifications": _lines(board_certifications),
                "specialties": _lines(specialties),
                "years_in_practice": _number(years_in_practice, "years_in_practice"),
                "hours_per_week": _number(hours_per_week, "hours_per_week"),
                "affiliations": [a.strip() for a in affiliations.splitlines() if a.strip()],
                "active": bool(active),
            }
        )
        _service(request).save_reviewer(who, profile)
    except Forbidden:
        raise
    except UserError as exc:
        return _reviewers_page(request, who, values, str(exc), 422)
    except ValueError as exc:  # pydantic's own validation errors
        first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first.get("loc", ())) or "reviewer"
        message = f"{where}: {first.get('msg', 'invalid')}"
        return _reviewers_page(request, who, values, message, 422)
    return _redirect("/reviewers", saved=profile.id)


def _number(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UserError(f"{field}: {value!r} is not a number") from None


# the hook -------------------------------------------------------------------------------


def install(app: FastAPI, *, throttle: Throttle | None = None) -> None:
    """Add the pages and their static files to the API's app."""
    app.state.web_templates = _environment()
    app.state.web_throttle = throttle or Throttle()
    app.include_router(router)
    static = resources.files("openimr.service").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def _not_routed(request: Request, exc: StarletteHTTPException) -> Response:
        # A path no route serves: the API answers as it always has, a page in HTML.
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return await http_exception_handler(request, exc)
        with contextlib.suppress(_SignInFirst):
            _who(request)  # the header shows who is signed in, and Sign out
        if exc.status_code == 404:
            response = _error_page(request, 404, "Not found", "There is no page at this address.")
        else:
            response = _error_page(request, exc.status_code, "Not possible", str(exc.detail))
        _secure_headers(response)
        return response
