"""The workbench's pages (service/web.py) through FastAPI's TestClient: sign-in, session and
CSRF, escaping, who sees what, the queue, the evidence marks, deciding and signing, and the
coordinator's forms. (The pages call the service layer, the same on either store: SQLite.)"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from openimr.service.api import create_app
from openimr.service.auth import SYSTEM
from openimr.service.cases import CaseService
from openimr.service.db import Store
from openimr.service.marks import Span, criterion_key, layers, marked
from openimr.service.sessions import Throttle
from openimr.service.web import SESSION_COOKIE
from tests.service.people import NOTE, PASSWORD, WORKER, application, world

SUMMARY = (
    "Clinical summary <script>alert(1)</script>. The patient has low back pain with radicular "
    "symptoms, weakness and decreased range of motion. She does exercises at home."
)
# A 2016 review: the pack's encoded MTUS rules apply, so the draft quotes evidence.
DATES = {"date_of_injury": "2014-01-06", "ur_decision_date": "2016-10-20", "filed_on": "2016-10-30"}
ITEMS = ["Physical therapy x6 visits for the low back", "Lumbar epidural steroid injection"]


@pytest.fixture
def store(sqlite_template, tmp_path):
    target = tmp_path / "web.sqlite"
    shutil.copyfile(sqlite_template, target)
    s = Store(str(target))
    yield s
    s.dispose()


class World:
    def __init__(self, service: CaseService, ids: dict[str, int]) -> None:
        self.service = service
        self.ids = ids
        self.sleeps: list[float] = []
        self.app = create_app(service)
        self.app.state.web_throttle = Throttle(sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **kw) -> TestClient:
        return TestClient(self.app, **kw)

    def signed_in(self, username: str) -> TestClient:
        client = self.client()
        response = sign_in(client, username, PASSWORD)
        assert response.status_code == 303, response.text
        return client

    def principal(self, username: str):
        return self.service.principal_for(self.service.sign_in(username, PASSWORD)[1])

    def case(self, *, party: str | None = None, **changes) -> str:
        """A case with a summary and a note, records complete, assigned to quill."""
        coord = self.principal("coord")
        data = application(**{**DATES, "treatments": ITEMS, **changes})
        from openimr.service.application import Application

        case_id = self.service.file_application(coord, Application.model_validate(data)).case_id
        self.service.assign(coord, case_id)
        self.service.request_records(coord, case_id)
        self.service.add_document(
            coord, case_id, content=SUMMARY.encode(), filename="summary.txt", kind="case_summary"
        )
        self.service.add_document(
            coord,
            case_id,
            content=NOTE.encode(),
            filename="note.txt",
            kind="medical_record",
            date=dt.date(2016, 10, 1),
        )
        self.service.complete_records(coord, case_id)
        if party:
            self.service.add_party(SYSTEM, case_id, self.ids[party])
        return case_id


@pytest.fixture
def w(store, clock) -> World:
    service = CaseService(store, clock=clock)
    ids = world(service)
    ids["mail"] = service.create_user(
        SYSTEM,
        username="coord-mail",
        password=PASSWORD,
        role="coordinator",
        email="Coordinator@Example.org",
    )
    return World(service, ids)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token in the form"
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str, **headers):
    form = client.get("/sign-in", headers=headers)
    return client.post(
        "/sign-in",
        data={"email": login, "password": password, "csrf_token": csrf(form.text)},
        headers=headers,
        follow_redirects=False,
    )


def post(client: TestClient, path: str, data: dict | None = None, page: str | None = None, **kw):
    token = csrf(client.get(page or "/queue").text)
    return client.post(
        path, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kw
    )


def error_text(html: str) -> str:
    found = re.search(r'class="error-message"[^>]*>(.*?)</', html, re.S)
    return found.group(1).strip() if found else ""


# sign-in, sessions and CSRF ------------------------------------------------------------------


def test_sign_in_by_email_or_user_name_and_one_message_for_either_mistake(w):
    client = w.client()
    wrong_email = sign_in(client, "nobody@example.org", PASSWORD)
    wrong_password = sign_in(client, "coordinator@example.org", "not the password at all")
    assert wrong_email.status_code == wrong_password.status_code == 401
    assert error_text(wrong_email.text) == error_text(wrong_password.text)
    assert error_text(wrong_email.text) == "Email or password is wrong"
    assert SESSION_COOKIE not in client.cookies
    # Email is matched whatever its case; the user name works too.
    assert sign_in(w.client(), "COORDINATOR@example.ORG", PASSWORD).status_code == 303
    ok = sign_in(w.client(), "quill", PASSWORD)
    assert ok.status_code == 303 and ok.headers["location"] == "/queue"
    # After sign-in the user goes where they were going, but never to another site.
    for target, lands in [("/cases/IMR-1", "/cases/IMR-1"), ("//evil.example", "/queue")]:
        client = w.client()
        form = client.get("/sign-in", params={"next": target})
        done = client.post(
            "/sign-in",
            data={
                "email": "quill",
                "password": PASSWORD,
                "next": target,
                "csrf_token": csrf(form.text),
            },
            follow_redirects=False,
        )
        assert done.headers["location"] == lands


def test_repeated_failures_for_an_email_wait_longer_each_time_up_to_a_cap(w):
    client = w.client()
    for _ in range(8):
        sign_in(client, "quill", "wrong wrong wrong")
    assert w.sleeps[0] > 0
    assert w.sleeps == sorted(w.sleeps)
    assert w.sleeps[-1] == w.app.state.web_throttle.cap > w.sleeps[0]
    # Another account is not slowed by them; a success clears the count.
    before = len(w.sleeps)
    assert sign_in(client, "holt", PASSWORD).status_code == 303
    assert len(w.sleeps) == before
    assert sign_in(w.client(), "quill", PASSWORD).status_code == 303
    after = len(w.sleeps)
    sign_in(w.client(), "quill", "wrong wrong wrong")
    assert len(w.sleeps) == after


def _cookie_header(response) -> str:
    return next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )


def test_session_cookie_is_http_only_lax_and_secure_behind_https(w):
    plain = _cookie_header(sign_in(w.client(), "coord", PASSWORD))
    assert "HttpOnly" in plain and "samesite=lax" in plain.lower()
    assert "Secure" not in plain
    # Behind a TLS proxy: the client here speaks plain HTTP, so it would not send a Secure
    # cookie back; the test sends the pre-session cookie itself.
    client, https = w.client(), {"X-Forwarded-Proto": "https"}
    form = client.get("/sign-in", headers=https)
    presession = re.search(r"openimr_presession=([^;]+);", form.headers["set-cookie"])
    assert presession and "Secure" in form.headers["set-cookie"]
    proxied = _cookie_header(
        client.post(
            "/sign-in",
            data={"email": "coord", "password": PASSWORD, "csrf_token": csrf(form.text)},
            headers={**https, "Cookie": f"openimr_presession={presession.group(1)}"},
            follow_redirects=False,
        )
    )
    assert "HttpOnly" in proxied and "samesite=lax" in proxied.lower() and "Secure" in proxied
    direct = w.client(base_url="https://testserver")
    assert "Secure" in _cookie_header(sign_in(direct, "coord", PASSWORD))


def test_sign_out_ends_the_token(w):
    client = w.signed_in("coord")
    token = client.cookies[SESSION_COOKIE]
    page = client.get("/queue")
    assert "Sign out" in page.text
    out = post(client, "/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    thief = w.client()
    thief.cookies.set(SESSION_COOKIE, token)
    assert thief.get("/queue", follow_redirects=False).headers["location"].startswith("/sign-in")


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(w):
    case_id = w.case()
    coord = w.signed_in("coord")
    director = w.principal("director")
    events = len(w.service.audit_trail(director, case_id))
    quill = w.signed_in("quill")
    for data in ({}, {"csrf_token": "0" * 64}, {"csrf_token": csrf(coord.get("/queue").text)}):
        # (the last is coord's token: right for coord, wrong for quill)
        refused = quill.post(
            f"/cases/{case_id}/items/1",
            data={"decision": "Overturned", "reason": "Changed.", **data},
            follow_redirects=False,
        )
        assert refused.status_code == 403
    for data in ({}, {"csrf_token": "forged"}):
        refused = coord.post(
            f"/cases/{case_id}/documents",
            data=data,
            files={"file": ("more.txt", b"More notes.", "text/plain")},
        )
        assert refused.status_code == 403
    view = w.service.get_case(director, case_id)
    assert [i.decision for i in view.items] == [None, None] and len(view.documents) == 2
    assert len(w.service.audit_trail(director, case_id)) == events
    filing = coord.post("/applications/new", data={"employee_name": "X", "csrf_token": "bad"})
    assert filing.status_code == 403
    assert len(w.service.list_cases(director)) == 1
    # The sign-in form has its own token.
    stranger = w.client()
    stranger.get("/sign-in")
    bare = stranger.post("/sign-in", data={"email": "coord", "password": PASSWORD})
    assert bare.status_code == 403 and SESSION_COOKIE not in stranger.cookies


def test_pages_are_signed_in_only_and_carry_the_content_security_policy(w):
    client = w.client()
    for path in ["/queue", "/cases/IMR-2026-000001", "/reviewers", "/applications/new"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    signed = w.signed_in("coord")
    assert signed.get("/", follow_redirects=False).headers["location"] == "/queue"
    page = signed.get("/queue")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    assert signed.get("/static/workbench.js").status_code == 200


# what each user sees ---------------------------------------------------------------------------


def test_a_clinical_summary_with_a_script_is_shown_as_text(w):
    case_id = w.case()
    page = w.signed_in("quill").get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)</script>" not in page.text


def test_a_reviewer_opening_another_reviewers_case_is_told_there_is_no_such_case(w):
    case_id = w.case()
    holt = w.signed_in("holt")
    for path in [f"/cases/{case_id}", f"/cases/{case_id}/documents/1", f"/cases/{case_id}/letter"]:
        page = holt.get(path)
        assert page.status_code == 404
        assert "<h1>No such case</h1>" in page.text
        assert WORKER not in page.text and "Traceback" not in page.text
    assert case_id not in holt.get("/queue").text


def test_a_party_sees_only_their_letters(w):
    theirs, other = w.case(party="attorney"), w.case()
    quill = w.principal("quill")
    for case_id in (theirs, other):
        for n in (1, 2):
            w.service.decide_item(quill, case_id, n, decision="Upheld", reason=None)
        w.service.sign(quill, case_id)
    attorney = w.signed_in("attorney")
    page = attorney.get("/queue")
    assert "<h1>Your letters</h1>" in page.text
    assert f"/cases/{theirs}/letter" in page.text and other not in page.text
    assert attorney.get(f"/cases/{theirs}/letter").status_code == 200
    assert attorney.get(f"/cases/{theirs}/letter.pdf").content.startswith(b"%PDF")
    assert attorney.get(f"/cases/{other}/letter").status_code == 404
    assert attorney.get(f"/cases/{theirs}").status_code == 403


def _queue_ids(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r'<th scope="row"><a href="/cases/[^"]+">([^<]+)</a>', body)


def test_the_queue_lists_expedited_cases_first_and_says_overdue_in_words(w, clock):
    coord = w.principal("coord")
    from openimr.service.application import Application

    first = w.service.file_application(coord, Application.model_validate(application())).case_id
    clock.advance(hours=1)
    second = w.service.file_application(
        coord, Application.model_validate(application(employee_id="CLM-2", expedited=True))
    ).case_id
    w.service.assign(coord, first)
    w.service.request_records(coord, first)
    client = w.signed_in("coord")
    page = client.get("/queue")
    assert _queue_ids(page.text) == [second, first]
    assert "<caption>Cases</caption>" in page.text and "Expedited" in page.text
    assert ">Overdue<" not in page.text.split("<tbody>")[1]
    clock.advance(days=30)
    client = w.signed_in("coord")  # the first session expired meanwhile
    page = client.get("/queue")
    row = next(r for r in page.text.split("<tr") if f">{first}</a>" in r)
    assert ">Overdue<" in row and "past due" in row
    filtered = client.get("/queue", params={"status": "eligible"})
    assert _queue_ids(filtered.text) == [second]


# the case page -----------------------------------------------------------------------------


class _Marks(HTMLParser):
    """Each source-text block's text, and each mark's offsets in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self.open: list[tuple[str, int]] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "pre" and "data-source" in attrs:
            self.current = {"source": attrs["data-source"], "text": "", "marks": []}
        elif tag == "mark" and self.current is not None:
            self.open.append((attrs["data-criterion"], len(self.current["text"])))

    def handle_endtag(self, tag):
        if tag == "mark" and self.current is not None:
            key, start = self.open.pop()
            self.current["marks"].append((key, start, len(self.current["text"])))
        elif tag == "pre" and self.current is not None:
            self.blocks.append(self.current)
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["text"] += data


def test_every_evidence_mark_covers_exactly_the_drafts_offsets(w):
    case_id = w.case()
    quill = w.principal("quill")
    draft = w.service.get_draft(quill, case_id)
    texts = w.service.source_texts(quill, case_id)
    expected = sorted(
        (e["source"], criterion_key(n, k), e["start"], e["end"])
        for n, item in enumerate(draft["items"], start=1)
        for k, criterion in enumerate(item["criteria"], start=1)
        for e in criterion["evidence"]
    )
    assert {source for source, *_ in expected} == {"clinical_summary", "records[0]"}
    page = w.signed_in("quill").get(f"/cases/{case_id}")
    parser = _Marks()
    parser.feed(page.text)
    found = []
    for block in parser.blocks:
        assert block["text"] == texts[block["source"]]
        for key, start, end in block["marks"]:
            found.append((block["source"], key, start, end))
    assert sorted(found) == expected
    for source, key, start, end in found:
        n, k = (int(x) for x in re.findall(r"\d+", key))
        quoted = [e["text"] for e in draft["items"][n - 1]["criteria"][k - 1]["evidence"]]
        assert texts[source][start:end] in quoted
    # Each criterion is a button naming its text first and its status in words.
    assert 'data-criterion="item-1-criterion-3"' in page.text
    assert re.search(
        r'<button type="button" class="criterion"[^>]*><span class="criterion-text">', page.text
    )
    assert ">not documented</span></button>" in page.text
    for heading in ["Application", "Documents", "Clinical case summary", *ITEMS]:
        assert f">{heading}</h2>" in page.text
    assert "Source text: clinical case summary" in page.text


def test_crossing_spans_get_a_copy_of_the_text_each_mark_still_exact():
    text = "abcdefghij"
    spans = [Span(1, 5, "a", ""), Span(3, 8, "b", ""), Span(1, 5, "c", ""), Span(6, 7, "d", "")]
    copies = layers(text, spans)
    assert len(copies) == 2
    for layer in copies:
        parser = _Marks()
        parser.feed(f'<pre data-source="s">{marked(text, layer)}</pre>')
        [block] = parser.blocks
        assert block["text"] == text
        assert sorted((k, s, e) for k, s, e in block["marks"]) == sorted(
            (s.key, s.start, s.end) for s in layer
        )
    assert str(marked("<b>&", [Span(0, 3, "x", '"q"')])).startswith('<mark data-criterion="x"')
    assert "&lt;b&gt;</mark>&amp;" in str(marked("<b>&", [Span(0, 3, "x", "")]))


def test_a_changed_decision_without_a_reason_is_refused_on_the_page(w):
    case_id = w.case()
    quill = w.signed_in("quill")
    page = quill.get(f"/cases/{case_id}")
    assert page.text.count(">Save decision</button>") == 2
    assert re.search(r'value="Upheld" checked', page.text)  # the draft, preselected
    refused = quill.post(
        f"/cases/{case_id}/items/1",
        data={"decision": "Overturned", "reason": "  ", "csrf_token": csrf(page.text)},
    )
    assert refused.status_code == 422
    assert "a changed decision needs a written reason" in refused.text
    assert re.search(r'<textarea id="item-1-reason"[^>]*aria-invalid="true"', refused.text)
    assert re.search(
        r'id="item-1-overturned" name="decision" value="Overturned" checked', refused.text
    )
    assert w.service.get_case(w.principal("director"), case_id).items[0].decision is None
    saved = quill.post(
        f"/cases/{case_id}/items/1",
        data={
            "decision": "Overturned",
            "reason": "Deficits on exam.",
            "csrf_token": csrf(page.text),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "The decision on item 1 was saved." in quill.get(saved.headers["location"]).text
    item = w.service.get_case(w.principal("director"), case_id).items[0]
    assert (item.decision, item.reason) == ("Overturned", "Deficits on exam.")


def test_signing_through_the_pages_locks_the_case(w):
    case_id = w.case()
    quill = w.signed_in("quill")
    page = quill.get(f"/cases/{case_id}")
    token = csrf(page.text)
    for n in (1, 2):
        quill.post(f"/cases/{case_id}/items/{n}", data={"decision": "Upheld", "csrf_token": token})
    confirm = quill.get(f"/cases/{case_id}/signature")
    assert "I have no conflict of interest with any party to this case" in confirm.text
    assert "I reviewed the complete case file" in confirm.text
    unconfirmed = quill.post(
        f"/cases/{case_id}/signature", data={"no_conflict": "yes", "csrf_token": token}
    )
    assert unconfirmed.status_code == 422 and "Confirm both statements" in unconfirmed.text
    assert w.service.signature(w.principal("director"), case_id) is None
    signed = quill.post(
        f"/cases/{case_id}/signature",
        data={"no_conflict": "yes", "reviewed": "yes", "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = quill.get(signed.headers["location"])
    assert "Signed by Dr. Lane Quill on 2026-11-02" in page.text
    assert "Save decision" not in page.text and "Sign determination" not in page.text
    assert f'href="/cases/{case_id}/letter">Letter (HTML)' in page.text
    assert f'href="/cases/{case_id}/letter.pdf" download>Letter (PDF)' in page.text
    pdf = quill.get(f"/cases/{case_id}/letter.pdf")
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    late = quill.post(
        f"/cases/{case_id}/items/1",
        data={"decision": "Overturned", "reason": "Too late.", "csrf_token": token},
    )
    assert late.status_code == 409
    assert quill.get(f"/cases/{case_id}/signature").status_code == 403


# the coordinator's and the director's pages ------------------------------------------------------


def test_a_coordinator_files_uploads_assigns_and_completes_through_the_pages(w):
    coord = w.signed_in("coord")
    form = coord.get("/applications/new")
    assert "<h1>New application</h1>" in form.text and 'for="f-employee_name"' in form.text
    data = {k: v for k, v in application(**DATES).items() if not isinstance(v, (bool, list))}
    data |= {"signed": "yes", "ur_decision_attached": "yes", "treatments": "\n".join(ITEMS)}
    data |= {"specialties_treating": "Physical Medicine and Rehabilitation"}
    bad = coord.post(
        "/applications/new",
        data={**data, "date_of_injury": "", "csrf_token": csrf(form.text)},
    )
    assert bad.status_code == 422 and "date_of_injury" in bad.text
    assert re.search(r'id="f-date_of_injury"[^>]*aria-invalid="true"', bad.text)
    filed = coord.post("/applications/new", data={**data, "csrf_token": csrf(form.text)})
    assert filed.status_code == 200 and "eligibility <strong" in filed.text
    case_id = re.search(r"<h1>([^<]+)</h1>", filed.text).group(1)
    assigned = coord.post(f"/cases/{case_id}/assignment", data={"csrf_token": csrf(filed.text)})
    assert "Reviewers passed over" in assigned.text and "Pinecrest Claims Services" in assigned.text
    noticed = coord.post(f"/cases/{case_id}/records-request", data={"csrf_token": csrf(filed.text)})
    assert "Records complete" in noticed.text
    uploaded = coord.post(
        f"/cases/{case_id}/documents",
        data={"kind": "medical_record", "date": "2016-10-01", "csrf_token": csrf(filed.text)},
        files={"file": ("note.txt", NOTE.encode(), "text/plain")},
    )
    assert "The record was uploaded." in uploaded.text
    doc = re.search(rf'href="/cases/{case_id}/documents/(\d+)"', uploaded.text).group(1)
    assert "straight leg raise" in coord.get(f"/cases/{case_id}/documents/{doc}").text
    download = coord.get(f"/cases/{case_id}/documents/{doc}/download")
    assert (
        download.content == NOTE.encode()
        and "attachment" in download.headers["content-disposition"]
    )
    done = coord.post(f"/cases/{case_id}/records-complete", data={"csrf_token": csrf(filed.text)})
    assert "records complete" in done.text and ">Save decision<" not in done.text
    assert w.service.get_case(w.principal("director"), case_id).status == "records_complete"
    audit = coord.get(f"/cases/{case_id}/audit")
    assert "complete records" in audit.text and "Chain" in audit.text
    assert "Chain verified" in w.signed_in("director").get(f"/cases/{case_id}/audit").text


def test_the_roster_is_edited_by_the_director_only(w):
    coord = w.signed_in("coord")
    roster = coord.get("/reviewers")
    assert "<caption>Roster</caption>" in roster.text and "Dr. Mira Holt" in roster.text
    assert "Save reviewer" not in roster.text
    refused = coord.post(
        "/reviewers",
        data={
            "id": "R-X",
            "name": "Dr. X",
            "years_in_practice": "9",
            "hours_per_week": "30",
            "csrf_token": csrf(roster.text),
        },
    )
    assert refused.status_code == 403
    director = w.signed_in("director")
    page = director.get("/reviewers?edit=R-NEW")
    assert 'value="Dr. Ravi Sol"' in page.text
    saved = director.post(
        "/reviewers",
        data={
            "id": "R-NEW",
            "name": "Dr. Ravi Sol",
            "licence_states": "CA, NV",
            "board_certifications": "Physical Medicine and Rehabilitation",
            "years_in_practice": "6",
            "hours_per_week": "40",
            "active": "yes",
            "csrf_token": csrf(page.text),
        },
    )
    assert saved.status_code == 200 and "Reviewer R-NEW was saved." in saved.text
    profile = next(r for r in w.service.list_reviewers(SYSTEM) if r.id == "R-NEW")
    assert profile.years_in_practice == 6 and profile.licence_states == ["CA", "NV"]
    wrong = director.post(
        "/reviewers",
        data={
            "id": "R-Y",
            "name": "Dr. Y",
            "years_in_practice": "many",
            "hours_per_week": "1",
            "csrf_token": csrf(page.text),
        },
    )
    assert wrong.status_code == 422 and "years_in_practice" in error_text(wrong.text)
    assert w.signed_in("quill").get("/reviewers").status_code == 403


def test_an_unknown_page_is_an_html_404_and_an_unknown_api_path_stays_json(w):
    client = w.signed_in("coord")
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    missing = client.get("/cases/IMR-2026-999999")
    assert missing.status_code == 404 and "<h1>No such case</h1>" in missing.text


def test_the_demo_accounts_sign_in_by_their_email(store):
    from openimr.service.demo import DEMO_PASSWORD, seed

    service = CaseService(store)
    seed(service, None)
    for name in ["coordinator", "director", "dr.avery", "dr.blake", "worker"]:
        who, _token = service.sign_in(f"{name}@demo.openimr.org", DEMO_PASSWORD)
        assert who.username == name


def test_a_coordinator_expedites_and_terminates_from_the_case_page(w):
    case_id = w.case()
    coord = w.signed_in("coord")
    page = coord.get(f"/cases/{case_id}").text
    assert "Expedite review" in page and "Terminate review" in page
    refused = post(coord, f"/cases/{case_id}/expedite", {"certification": " "})
    assert refused.status_code == 422 and "certification" in refused.text
    done = post(coord, f"/cases/{case_id}/expedite", {"certification": "Worsening foot drop."})
    assert done.status_code == 303
    after = coord.get(f"/cases/{case_id}").text
    assert "Priority: <strong>Expedited</strong>" in after and "Expedite review" not in after
    assert w.service.get_case(w.principal("coord"), case_id).expedited
    ended = post(coord, f"/cases/{case_id}/termination", {"reason": "Authorised by the carrier."})
    assert ended.status_code == 303
    closed = coord.get(f"/cases/{case_id}").text
    assert "Authorised by the carrier." in closed and "Terminate review" not in closed
    quill = w.signed_in("quill")
    assert post(quill, f"/cases/{case_id}/termination", {"reason": "x"}).status_code == 403


def test_a_deferred_case_is_released_when_liability_is_resolved(w):
    coord_p = w.principal("coord")
    from openimr.service.application import Application

    data = application(**{**DATES, "treatments": ITEMS, "liability_disputed": True})
    case_id = w.service.file_application(coord_p, Application.model_validate(data)).case_id
    coord = w.signed_in("coord")
    assert "Liability resolved" in coord.get(f"/cases/{case_id}").text
    assert post(coord, f"/cases/{case_id}/liability-resolved").status_code == 303
    assert w.service.get_case(coord_p, case_id).status == "eligible"
