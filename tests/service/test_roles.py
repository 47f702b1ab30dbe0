"""Every endpoint against every role: the wrong role gets 403, a reviewer or party reaching
for a case that is not theirs gets 404, and neither response carries anything of the case.
(Access is decided in the service layer, the same on either store: SQLite here.)"""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from openimr.service.api import PREFIX, create_app
from openimr.service.auth import SYSTEM
from openimr.service.cases import CaseService
from openimr.service.db import Store
from tests.service.people import NOTE, PASSWORD, WORKER, application, world
from tests.service.test_api_flow import login

ACCOUNTS = ["coord", "director", "quill", "holt", "attorney"]


@pytest.fixture
def store(sqlite_template, tmp_path):
    target = tmp_path / "roles.sqlite"
    shutil.copyfile(sqlite_template, target)
    s = Store(str(target))
    yield s
    s.dispose()


@pytest.fixture
def setting(store, clock):
    """A case in review, assigned to quill; the attorney is a party to it."""
    service = CaseService(store, clock=clock)
    ids = world(service)
    client = TestClient(create_app(service))
    tokens = {name: login(client, name) for name in ACCOUNTS}
    coord = tokens["coord"]
    case_id = client.post(f"{PREFIX}/applications", json=application(), headers=coord).json()[
        "case_id"
    ]
    client.post(f"{PREFIX}/cases/{case_id}/assignment", headers=coord)
    client.post(f"{PREFIX}/cases/{case_id}/records-request", headers=coord)
    client.post(
        f"{PREFIX}/cases/{case_id}/documents",
        files={"file": ("note.txt", NOTE.encode(), "text/plain")},
        data={"kind": "medical_record"},
        headers=coord,
    )
    client.post(f"{PREFIX}/cases/{case_id}/records-complete", headers=coord)
    service.add_party(SYSTEM, case_id, ids["attorney"])
    return client, tokens, case_id


def _calls(case_id: str):
    """(name, method, path, request arguments, roles allowed, roles that reach only their own
    cases and are told it does not exist)."""
    case = f"{PREFIX}/cases/{case_id}"
    decide = {"json": {"decision": "Upheld", "reason": "Reviewed."}}
    upload = {"files": {"file": ("x.txt", b"More notes.", "text/plain")}}
    return [
        ("read case", "GET", case, {}, {"coord", "director", "quill"}, {"holt"}),
        ("read draft", "GET", f"{case}/draft", {}, {"coord", "director", "quill"}, {"holt"}),
        ("decide", "PUT", f"{case}/items/1", decide, {"quill"}, {"holt"}),
        ("sign", "POST", f"{case}/signature", {}, {"quill"}, {"holt"}),
        ("add document", "POST", f"{case}/documents", upload, {"coord"}, set()),
        ("assign", "POST", f"{case}/assignment", {}, {"coord", "director"}, set()),
        ("audit", "GET", f"{case}/audit", {}, {"coord", "director"}, set()),
        ("terminate", "POST", f"{case}/termination", {"json": {"reason": "x"}}, {"coord"}, set()),
        ("verify", "GET", f"{PREFIX}/audit/verify", {}, {"director"}, set()),
        ("roster", "GET", f"{PREFIX}/reviewers", {}, {"coord", "director"}, set()),
        ("file", "POST", f"{PREFIX}/applications", {"json": application()}, {"coord"}, set()),
        ("letter", "GET", f"{case}/letter", {}, {"coord", "director", "quill"},
         {"holt", "attorney"}),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ACCOUNTS)
def test_each_role_reaches_only_what_it_may(setting, who):
    client, tokens, case_id = setting
    for name, method, path, args, allowed, not_theirs in _calls(case_id):
        if who in allowed:
            continue
        response = client.request(method, path, headers=tokens[who], **args)
        expected = 404 if who in not_theirs else 403
        assert response.status_code == expected, (who, name, response.text)
        assert WORKER not in response.text and "MRI" not in response.text, (who, name)


def test_a_reviewer_queue_holds_only_their_cases(setting):
    client, tokens, case_id = setting
    assert [c["id"] for c in client.get(f"{PREFIX}/cases", headers=tokens["quill"]).json()] == [
        case_id
    ]
    assert client.get(f"{PREFIX}/cases", headers=tokens["holt"]).json() == []
    assert client.get(f"{PREFIX}/cases", headers=tokens["attorney"]).status_code == 403


def test_a_party_reads_only_the_final_letter(setting):
    client, tokens, case_id = setting
    quill = tokens["quill"]
    for item in client.get(f"{PREFIX}/cases/{case_id}", headers=quill).json()["items"]:
        decision = item["draft_decision"] or "Upheld"
        client.put(
            f"{PREFIX}/cases/{case_id}/items/{item['n']}",
            json={"decision": decision, "reason": "Reviewed."},
            headers=quill,
        )
    assert client.post(f"{PREFIX}/cases/{case_id}/signature", headers=quill).status_code == 201
    letter = client.get(f"{PREFIX}/cases/{case_id}/letter", headers=tokens["attorney"])
    assert letter.status_code == 200 and "DRAFT" not in letter.text
    assert client.get(f"{PREFIX}/cases/{case_id}", headers=tokens["attorney"]).status_code == 403
    assert client.get(f"{PREFIX}/cases/{case_id}/letter", headers=tokens["holt"]).status_code == 404


def test_no_token_or_a_bad_password_gets_401(setting):
    client, _tokens, case_id = setting
    assert client.get(f"{PREFIX}/cases/{case_id}").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get(f"{PREFIX}/cases/{case_id}", headers=bad).status_code == 401
    wrong = client.post(f"{PREFIX}/token", data={"username": "coord", "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    nobody = client.post(f"{PREFIX}/token", data={"username": "nobody", "password": PASSWORD})
    assert nobody.json() == wrong.json()  # the same answer: no hint which was wrong
