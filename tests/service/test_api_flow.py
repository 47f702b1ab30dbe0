"""The case's life through the HTTP API, on SQLite and on PostgreSQL: application to signed
letter and verified audit chain, and the paths that end early."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from fastapi.testclient import TestClient

from openimr.service.api import PREFIX, create_app
from openimr.service.cases import CaseService
from tests.conftest import text_to_pdf
from tests.service.people import NOTE, PASSWORD, WORKER, application, world


@pytest.fixture
def service(store, clock) -> CaseService:
    service = CaseService(store, clock=clock)
    world(service)
    return service


@pytest.fixture
def client(service) -> TestClient:
    return TestClient(create_app(service))


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(f"{PREFIX}/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _ready_for_review(client: TestClient, coord: dict[str, str]) -> str:
    filed = client.post(f"{PREFIX}/applications", json=application(), headers=coord)
    case_id = filed.json()["case_id"]
    client.post(f"{PREFIX}/cases/{case_id}/assignment", headers=coord)
    client.post(f"{PREFIX}/cases/{case_id}/records-request", headers=coord)
    client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("note.txt", NOTE.encode(), "text/plain")},
        data={"kind": "medical_record", "date": "2026-10-01"},
        headers=coord,
    )
    client.post(f"{PREFIX}/cases/{case_id}/records-complete", headers=coord)
    return case_id


def test_application_to_signed_letter(client, clock, caplog):
    caplog.set_level(logging.DEBUG)
    coord = login(client, "coord")

    filed = client.post(f"{PREFIX}/applications", json=application(), headers=coord)
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "eligible"
    assert filed.json()["eligibility"]["reasons"] == []
    case_id = filed.json()["case_id"]

    # The conflicted reviewer (affiliated with the claims administrator) and the one with too
    # few years are passed over, and the explanation says so.
    assigned = client.post(f"{PREFIX}/cases/{case_id}/assignment", headers=coord)
    assert assigned.status_code == 200, assigned.text
    case = assigned.json()
    assert case["status"] == "assigned" and case["reviewer_id"] == "R-PMR"
    passed_over = {c["reviewer_id"]: c for c in case["assignment"]["candidates"]}
    assert passed_over["R-OCC"]["eligible"] is False
    assert passed_over["R-NEW"]["eligible"] is False
    assert "R-PMR" in case["assignment"]["explanation"]

    requested = client.post(
        f"{PREFIX}/cases/{case_id}/records-request", json={"notice_by": "electronic"}, headers=coord
    )
    due = dt.datetime.fromisoformat(requested.json()["records_due"]["due"])
    assert due.astimezone(dt.UTC) == clock.now + dt.timedelta(days=12)

    upload = {"file": ("note.txt", NOTE.encode(), "text/plain")}
    first = client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files=upload,
        data={"kind": "medical_record", "date": "2026-10-01"},
        headers=coord,
    )
    assert first.status_code == 201, first.text
    again = client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("copy.txt", NOTE.encode(), "text/plain")},
        data={"kind": "medical_record"},
        headers=coord,
    )
    assert again.json()["id"] == first.json()["id"]  # stored once by its SHA-256

    clock.advance(days=3)
    assert client.get(f"{PREFIX}/cases", headers=coord).status_code == 401  # the token expired
    coord = login(client, "coord")
    complete = client.post(f"{PREFIX}/cases/{case_id}/records-complete", headers=coord)
    assert complete.json()["status"] == "records_complete"
    due = dt.datetime.fromisoformat(complete.json()["determination_due"]["due"])
    assert due.astimezone(dt.UTC) == clock.now + dt.timedelta(days=30)

    quill = login(client, "quill")
    queue = client.get(f"{PREFIX}/cases", headers=quill).json()
    assert [c["id"] for c in queue] == [case_id]
    draft = client.get(f"{PREFIX}/cases/{case_id}/draft", headers=quill).json()
    assert [i["request"] for i in draft["items"]] == application()["treatments"]
    assert draft["signed"] is False

    items = client.get(f"{PREFIX}/cases/{case_id}", headers=quill).json()["items"]
    first_item = items[0]
    changed = "Upheld" if first_item["draft_decision"] == "Overturned" else "Overturned"
    refused = client.put(
        f"{PREFIX}/cases/{case_id}/items/1",
        json={"decision": changed, "version": first_item["version"]},
        headers=quill,
    )
    assert refused.status_code == 422 and "reason" in refused.json()["error"]["message"]
    decided = client.put(
        f"{PREFIX}/cases/{case_id}/items/1",
        json={
            "decision": changed,
            "reason": "The note documents the radicular findings the guideline asks for.",
            "version": first_item["version"],
        },
        headers=quill,
    )
    assert decided.status_code == 200, decided.text
    second = items[1]
    accepted = client.put(
        f"{PREFIX}/cases/{case_id}/items/2",
        json={
            "decision": second["draft_decision"] or "Upheld",
            "reason": "Reviewed.",
            "version": second["version"],
        },
        headers=quill,
    )
    assert accepted.status_code == 200, accepted.text

    signed = client.post(f"{PREFIX}/cases/{case_id}/signature", headers=quill)
    assert signed.status_code == 201, signed.text
    assert signed.json()["reviewer_id"] == "R-PMR"
    assert signed.json()["pack_version"] == draft["pack_version"]

    pdf = client.get(f"{PREFIX}/cases/{case_id}/letter?format=pdf", headers=quill)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = client.get(
        f"{PREFIX}/cases/{case_id}/letter", headers={**quill, "Accept": "text/plain"}
    ).text
    assert "DRAFT" not in text and "Physical Medicine and Rehabilitation" in text
    assert "more than five years" in " ".join(text.split())
    final = client.get(f"{PREFIX}/cases/{case_id}/determination", headers=quill).json()
    assert final["signed"] is True
    assert final["items"][0]["decision"] == changed
    assert final["items"][0]["decided_by"] == "physician_reviewer"
    assert "radicular findings" in final["items"][0]["rationale"]

    # Signed is final: no decision changes, no second signature.
    late = client.put(
        f"{PREFIX}/cases/{case_id}/items/1",
        json={"decision": "Upheld", "reason": "x"},
        headers=quill,
    )
    assert late.status_code == 409
    assert client.post(f"{PREFIX}/cases/{case_id}/signature", headers=quill).status_code == 409

    # A correction is a new determination naming the one it corrects; the first stays.
    again = "Upheld" if changed == "Overturned" else "Overturned"
    corrected = client.post(
        f"{PREFIX}/cases/{case_id}/corrections",
        json={"items": [{"n": 1, "decision": again, "reason": "A later report was misfiled."}],
              "reason": "A record filed under another claim was read as this worker's."},
        headers=quill,
    )  # fmt: skip
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["corrects"] == signed.json()["determination_id"]
    latest = client.get(f"{PREFIX}/cases/{case_id}/determination", headers=quill).json()
    assert (
        latest["items"][0]["decision"] == again
        and latest["corrects"] == corrected.json()["corrects"]
    )
    assert latest["decision_date"] == final["decision_date"]

    director = login(client, "director")
    trail = client.get(f"{PREFIX}/cases/{case_id}/audit", headers=director).json()
    actions = [e["action"] for e in trail]
    for action in (
        "file_application",
        "screen_eligible",
        "assign",
        "request_records",
        "add_document",
        "complete_records",
        "start_review",
        "decide_item",
        "sign",
    ):
        assert action in actions
    assert client.get(f"{PREFIX}/audit/verify", headers=director).json()["valid"] is True

    # No personal health information in any log line of the whole run.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert WORKER not in logged and "2026-03-09" not in logged and "straight leg" not in logged


def test_late_application_is_ineligible_with_its_reason(client):
    coord = login(client, "coord")
    filed = client.post(
        f"{PREFIX}/applications", json=application(filed_on="2026-12-01"), headers=coord
    ).json()
    assert filed["status"] == "ineligible"
    assert [r["code"] for r in filed["eligibility"]["reasons"]] == ["late"]
    refused = client.post(f"{PREFIX}/cases/{filed['case_id']}/assignment", headers=coord)
    assert refused.status_code == 409 and "ineligible" in refused.json()["error"]["message"]


def test_disputed_liability_defers_until_resolved(client):
    coord = login(client, "coord")
    filed = client.post(
        f"{PREFIX}/applications", json=application(liability_disputed=True), headers=coord
    ).json()
    assert filed["status"] == "deferred"
    case_id = filed["case_id"]
    assert client.post(f"{PREFIX}/cases/{case_id}/assignment", headers=coord).status_code == 409
    resolved = client.post(f"{PREFIX}/cases/{case_id}/liability-resolved", headers=coord)
    assert resolved.json()["status"] == "eligible"


def test_authorised_treatment_terminates_the_review(client):
    coord = login(client, "coord")
    case_id = _ready_for_review(client, coord)
    ended = client.post(
        f"{PREFIX}/cases/{case_id}/termination",
        json={"reason": "The claims administrator authorised both items."},
        headers=coord,
    )
    assert ended.json()["status"] == "terminated"
    quill = login(client, "quill")
    refused = client.put(
        f"{PREFIX}/cases/{case_id}/items/1", json={"decision": "Upheld"}, headers=quill
    )
    assert refused.status_code == 409


def test_a_conflicted_or_unqualified_reviewer_is_never_assigned(client):
    coord = login(client, "coord")
    case_id = client.post(f"{PREFIX}/applications", json=application(), headers=coord).json()[
        "case_id"
    ]
    for reviewer, why in (("R-OCC", "affiliat"), ("R-NEW", "years")):
        refused = client.post(
            f"{PREFIX}/cases/{case_id}/assignment", json={"reviewer_id": reviewer}, headers=coord
        )
        assert refused.status_code in (409, 422), refused.text
        assert why in refused.json()["error"]["message"].lower()
    case = client.get(f"{PREFIX}/cases/{case_id}", headers=coord).json()
    assert case["status"] == "eligible" and case["reviewer_id"] is None


def test_consolidation_joins_the_open_case(client):
    coord = login(client, "coord")
    first = client.post(f"{PREFIX}/applications", json=application(), headers=coord).json()
    second = client.post(
        f"{PREFIX}/applications",
        json=application(treatments=["Acupuncture 6 visits lumbar"]),
        headers=coord,
    ).json()
    assert second["consolidated"] is True and second["case_id"] == first["case_id"]
    case = client.get(f"{PREFIX}/cases/{first['case_id']}", headers=coord).json()
    assert [i["request"] for i in case["items"]][-1] == "Acupuncture 6 visits lumbar"


def test_a_stale_version_is_refused_not_lost(client):
    coord = login(client, "coord")
    case_id = _ready_for_review(client, coord)
    quill = login(client, "quill")
    item = client.get(f"{PREFIX}/cases/{case_id}", headers=quill).json()["items"][0]
    body = {"decision": "Upheld", "reason": "First.", "version": item["version"]}
    assert (
        client.put(f"{PREFIX}/cases/{case_id}/items/1", json=body, headers=quill).status_code == 200
    )
    stale = {"decision": "Overturned", "reason": "Second.", "version": item["version"]}
    refused = client.put(f"{PREFIX}/cases/{case_id}/items/1", json=stale, headers=quill)
    assert refused.status_code == 409
    now = client.get(f"{PREFIX}/cases/{case_id}", headers=quill).json()["items"][0]
    assert now["decision"] == "Upheld" and now["reason"] == "First."


def test_errors_name_the_field(client):
    coord = login(client, "coord")
    bad = client.post(
        f"{PREFIX}/applications", json=application(date_of_injury="2026-02-30"), headers=coord
    )
    assert bad.status_code == 422 and "date_of_injury" in bad.json()["error"]["message"]
    missing = client.get(f"{PREFIX}/cases/IMR-2026-999999", headers=coord)
    assert missing.status_code == 404 and "IMR-2026-999999" in missing.json()["error"]["message"]
    bogus = client.get(f"{PREFIX}/cases?status=pending", headers=coord)
    assert bogus.status_code == 422 and "status" in bogus.json()["error"]["message"]


def test_openapi_document_is_served(client):
    spec = client.get(f"{PREFIX}/openapi.json").json()
    for path in (
        "/token",
        "/applications",
        "/cases",
        "/cases/{case_id}/signature",
        "/cases/{case_id}/letter",
        "/reviewers",
    ):
        assert f"{PREFIX}{path}" in spec["paths"]


def test_late_is_flagged_never_blocking(client, clock):
    coord = login(client, "coord")
    case_id = _ready_for_review(client, coord)
    clock.advance(days=31)
    coord, quill = login(client, "coord"), login(client, "quill")
    overdue = client.get(f"{PREFIX}/cases?overdue=true", headers=coord).json()
    assert [c["id"] for c in overdue] == [case_id]
    assert overdue[0]["determination_due"]["late"] is True
    assert client.get(f"{PREFIX}/cases?overdue=false", headers=coord).json() == []
    for item in client.get(f"{PREFIX}/cases/{case_id}", headers=quill).json()["items"]:
        client.put(
            f"{PREFIX}/cases/{case_id}/items/{item['n']}",
            json={"decision": item["draft_decision"] or "Upheld", "reason": "Reviewed."},
            headers=quill,
        )
    assert client.post(f"{PREFIX}/cases/{case_id}/signature", headers=quill).status_code == 201
    signed = client.get(f"{PREFIX}/cases/{case_id}", headers=coord).json()
    assert signed["status"] == "determined" and signed["overdue"] is False


def test_the_draft_follows_the_documents(client):
    coord = login(client, "coord")
    filed = client.post(f"{PREFIX}/applications", json=application(), headers=coord).json()
    case_id = filed["case_id"]
    client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("note.txt", NOTE.encode(), "text/plain")},
        headers=coord,
    )
    before = client.get(f"{PREFIX}/cases/{case_id}/draft", headers=coord).json()
    client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("ur.txt", b"Utilization review denied the MRI.", "text/plain")},
        data={"kind": "ur_decision"},
        headers=coord,
    )
    after = client.get(f"{PREFIX}/cases/{case_id}/draft", headers=coord).json()
    assert before["input_sha256"] != after["input_sha256"]
    again = client.get(f"{PREFIX}/cases/{case_id}/draft", headers=coord).json()
    assert again == after  # unchanged documents, the same draft


def test_a_pdf_record_is_read_and_drafted_from(client, tmp_path):
    coord = login(client, "coord")
    # A 2016 dispute: the 2009 MTUS rules, whose criteria quote the record.
    dated = application(
        date_of_injury="2015-06-01", ur_decision_date="2016-03-01", filed_on="2016-03-10"
    )
    case_id = client.post(f"{PREFIX}/applications", json=dated, headers=coord).json()["case_id"]
    pdf = text_to_pdf(NOTE.replace(". ", ".\n"), tmp_path / "note.pdf").read_bytes()
    stored = client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("scan.pdf", pdf, "application/pdf")},
        data={"kind": "medical_record", "date": "2026-10-01"},
        headers=coord,
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["media_type"] == "application/pdf" and stored.json()["characters"] > 200
    draft = client.get(f"{PREFIX}/cases/{case_id}/draft", headers=coord).json()
    quoted = [e["text"] for i in draft["items"] for c in i["criteria"] for e in c["evidence"]]
    assert any("straight leg raise" in q or "physical therapy" in q for q in quoted), quoted
    broken = client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("broken.pdf", pdf[:200], "application/pdf")},
        headers=coord,
    )
    assert broken.status_code == 422 and "broken.pdf" in broken.json()["error"]["message"]
