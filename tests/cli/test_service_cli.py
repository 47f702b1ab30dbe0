"""The case service from the command line: `openimr db`, `user`, `reviewer`, `case`, `audit`
and `serve`, on a temporary SQLite store, through the same service layer as the HTTP API."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from openimr.cli import cli
from openimr.intake.case_file import load_case
from openimr.service import migrate
from openimr.service.demo import DEMO_PASSWORD
from tests.conftest import seed_paths
from tests.service.conftest import postgres_url as pg_server  # noqa: F401 (a fixture)
from tests.service.people import NOTE, application

PASSWORD = "correct horse battery staple"

ROSTER = [
    {
        "id": "R-PMR",
        "name": "Dr. Lane Quill",
        "licence_states": ["CA"],
        "board_certifications": ["Physical Medicine and Rehabilitation"],
        "specialties": ["Physical Medicine and Rehabilitation"],
        "years_in_practice": 12,
        "hours_per_week": 30,
    },
    {
        "id": "R-OCC",
        "name": "Dr. Mira Holt",
        "licence_states": ["CA"],
        "board_certifications": ["Occupational Medicine"],
        "specialties": ["Occupational Medicine"],
        "years_in_practice": 20,
        "hours_per_week": 40,
        # A party to the application below: never assigned to it.
        "affiliations": ["Pinecrest Claims Services"],
    },
]


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def ok(*args: str, **kwargs):
    result = run(*args, **kwargs)
    assert result.exit_code == 0, (result.output, result.stderr)
    return result


def one_error(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.output, result.stderr)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("openimr: error: ")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    result = ok("db", "upgrade", "--db", url)
    assert result.stdout.strip() == f"none -> {migrate.head()}"
    return url


@pytest.fixture
def world(db, tmp_path) -> str:
    """A store with a director, a coordinator, two reviewers with accounts, and the roster."""
    ok("user", "add", "director", "--role", "medical_director", "--password-stdin",
       "--db", db, input=PASSWORD + "\n")  # fmt: skip
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(ROSTER))
    assert ok("reviewer", "add", str(roster), "--db", db, "--as", "director").stdout.split() == [
        "R-PMR",
        "R-OCC",
    ]
    for name, role, reviewer in [
        ("coord", "coordinator", None),
        ("quill", "reviewer", "R-PMR"),
        ("holt", "reviewer", "R-OCC"),
    ]:
        extra = ["--reviewer", reviewer] if reviewer else []
        ok("user", "add", name, "--role", role, *extra, "--password-stdin", "--db", db,
           "--as", "director", input=PASSWORD + "\n")  # fmt: skip
    return db


def file_case(db: str, tmp_path: Path, **changes) -> str:
    path = tmp_path / "application.json"
    path.write_text(json.dumps(application(**changes)))
    result = ok("case", "file", str(path), "--db", db, "--as", "coord")
    case_id, status = result.stdout.splitlines()[0].split("\t")
    assert re.fullmatch(r"IMR-\d{4}-\d{6}", case_id)
    assert status == "eligible"
    return case_id


def ready_for_review(db: str, tmp_path: Path) -> str:
    case_id = file_case(db, tmp_path)
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    as_coord = ["--db", db, "--as", "coord"]
    ok("case", "assign", case_id, *as_coord)
    ok("case", "request-records", case_id, "--notice-by", "electronic", *as_coord)
    ok("case", "add-document", case_id, str(note), "--kind", "medical_record",
       "--date", "2026-10-01", *as_coord)  # fmt: skip
    ok("case", "records-complete", case_id, *as_coord)
    return case_id


def test_application_to_signed_pdf_letter(world, tmp_path):
    db = world
    case_id = file_case(db, tmp_path)
    as_coord = ["--db", db, "--as", "coord"]

    # The reviewer affiliated with the claims administrator is passed over, and the output
    # says so.
    assigned = ok("case", "assign", case_id, *as_coord).stdout
    assert assigned.splitlines()[0] == f"{case_id}\tassigned\tR-PMR"
    assert "R-OCC" in assigned and "Pinecrest Claims Services" in assigned.replace("\n", " ")

    requested = ok("case", "request-records", case_id, "--notice-by", "electronic", *as_coord)
    assert re.search(r"records_requested\trecords due \d{4}-\d\d-\d\d$", requested.stdout.strip())
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    added = ok("case", "add-document", case_id, str(note), "--kind", "medical_record",
               "--date", "2026-10-01", *as_coord)  # fmt: skip
    assert re.match(r"document \d+\tmedical_record\t\d+ characters", added.stdout)
    ok("case", "records-complete", case_id, *as_coord)

    listed = json.loads(ok("case", "list", "--format", "json", *as_coord).stdout)
    assert [(c["id"], c["status"], c["reviewer_id"]) for c in listed] == [
        (case_id, "records_complete", "R-PMR")
    ]

    as_quill = ["--db", db, "--as", "quill"]
    draft = json.loads(ok("case", "draft", case_id, *as_quill).stdout)
    assert [i["request"] for i in draft["items"]] == application()["treatments"]
    for n, item in enumerate(draft["items"], start=1):
        decision = item["decision"] or "Upheld"
        reason = [] if item["decision"] else ["--reason", "The note does not document it."]
        decided = ok("case", "decide", case_id, str(n), "--decision", decision, *reason, *as_quill)
        assert decided.stdout.startswith(f"item {n}\t{decision}\t")

    signed = ok("case", "sign", case_id, *as_quill)
    assert signed.stdout.startswith(f"{case_id}\tdetermined\tdetermination ")

    out = tmp_path / "letter.pdf"
    ok("case", "letter", case_id, "--format", "pdf", "--out", str(out), *as_coord)
    assert out.read_bytes().startswith(b"%PDF")
    piped = ok("case", "letter", case_id, "--format", "pdf", *as_coord)
    assert piped.stdout_bytes == out.read_bytes()  # the signed letter, stored once
    text = ok("case", "letter", case_id, *as_coord).stdout
    assert case_id in text and "Signed by the physician reviewer" in text

    shown = json.loads(ok("case", "show", case_id, *as_coord).stdout)
    assert shown["status"] == "determined"
    assert [i["decision"] for i in shown["items"]] == [
        i["decision"] or "Upheld" for i in draft["items"]
    ]

    trail = json.loads(ok("case", "audit", case_id, "--db", db, "--as", "director").stdout)
    actions = [event["action"] for event in trail]
    assert actions[:2] == ["file_application", "screen_eligible"]
    assert actions[-1] == "sign"
    assert {e["actor"] for e in trail if e["action"] == "sign"} == {"user:3"}  # quill's account

    verified = ok("audit", "verify", "--db", db)
    assert verified.stdout.startswith("valid: ")

    # A correction is a new determination naming the signed one, which stays as it was.
    first = signed.stdout.split("\tdetermination ")[1].split("\t")[0]
    flipped = "Overturned" if shown["items"][0]["decision"] == "Upheld" else "Upheld"
    corrected = ok("case", "correct", case_id, "--item", "1", flipped, "Misread the note.",
                   "--reason", "Item 1 was decided on a misread record", *as_quill)  # fmt: skip
    assert f"\tcorrects {first}\t" in corrected.stdout
    latest = json.loads(ok("case", "determination", case_id, *as_coord).stdout)
    assert latest["items"][0]["decision"] == flipped
    one_error(
        run("case", "correct", case_id, "--item", "1", flipped, "x", "--item", "1", flipped, "y",
            "--reason", "twice", *as_quill),
        "--item",
    )  # fmt: skip


def test_the_queue_as_a_table(world, tmp_path):
    db = world
    case_id = file_case(db, tmp_path)
    table = ok("case", "list", "--db", db, "--as", "coord").stdout.splitlines()
    header = "CASE STATUS EXPEDITED REVIEWER ITEMS RECORDS DUE DECISION DUE"
    assert table[0].split() == header.split()
    assert table[1].split() == [case_id, "eligible", "no", "-", "2", "-", "-"]
    assert (
        ok("case", "list", "--status", "determined", "--db", db, "--as", "coord").stdout.count("\n")
        == 1
    )  # the header only
    assert (
        len(ok("case", "list", "--overdue", "--db", db, "--as", "coord").stdout.splitlines()) == 1
    )
    one_error(run("case", "list", "--status", "closed", "--db", db, "--as", "coord"), "status:")

    second = file_case(db, tmp_path, employee_id="CLM-2", employee_name="Other Worker")
    page = ok("case", "list", "--limit", "1", "--offset", "1", "--db", db, "--as", "coord")
    assert [line.split()[0] for line in page.stdout.splitlines()[1:]] == [second]
    assert "--offset 2 shows the next" in page.stderr


def test_roles_are_enforced_and_another_reviewers_case_does_not_exist(world, tmp_path):
    db = world
    case_id = ready_for_review(db, tmp_path)
    one_error(run("case", "sign", case_id, "--db", db, "--as", "coord"), "role:", "coordinator")
    one_error(
        run("case", "file", str(tmp_path / "application.json"), "--db", db, "--as", "quill"),
        "role: a reviewer may not file application",
    )
    one_error(run("reviewer", "list", "--db", db, "--as", "quill"), "role:")
    one_error(
        run("user", "add", "x", "--role", "party", "--password-stdin", "--db", db,
            "--as", "coord", input=PASSWORD + "\n"),
        "role: a coordinator may not manage users",
    )  # fmt: skip

    # holt is not assigned this case: it is reported exactly as a case that does not exist.
    theirs = one_error(run("case", "show", case_id, "--db", db, "--as", "holt"))
    missing = one_error(run("case", "show", "IMR-1999-000001", "--db", db, "--as", "holt"))
    assert theirs.replace(case_id, "ID") == missing.replace("IMR-1999-000001", "ID")
    one_error(
        run("case", "decide", case_id, "1", "--decision", "Upheld", "--db", db, "--as", "holt"),
        f"case: no case {case_id}",
    )
    assert ok("case", "list", "--format", "json", "--db", db, "--as", "holt").stdout.strip() == "[]"

    # Nobody named, or a name the store does not know.
    one_error(run("case", "list", "--db", db), "--as USERNAME")
    one_error(run("case", "list", "--db", db, "--as", "nobody"), "--as", "'nobody'")
    listed = run("case", "list", "--db", db, env={"OPENIMR_USER": "coord"})
    assert listed.exit_code == 0 and case_id in listed.stdout


def test_a_changed_decision_needs_a_reason_and_a_stale_version_is_refused(world, tmp_path):
    db = world
    case_id = ready_for_review(db, tmp_path)
    as_quill = ["--db", db, "--as", "quill"]
    draft = json.loads(ok("case", "draft", case_id, *as_quill).stdout)
    drafted = draft["items"][0]["decision"]
    other = "Overturned" if drafted == "Upheld" else "Upheld"
    one_error(run("case", "decide", case_id, "1", "--decision", other, *as_quill), "reason:")
    shown = json.loads(ok("case", "show", case_id, *as_quill).stdout)
    version = shown["items"][0]["version"]
    one_error(
        run("case", "decide", case_id, "1", "--decision", other, "--reason", "Seen otherwise.",
            "--version", str(version + 5), *as_quill),
        "version:",
    )  # fmt: skip
    ok("case", "decide", case_id, "1", "--decision", other, "--reason", "Seen otherwise.",
       "--version", str(version), *as_quill)  # fmt: skip
    one_error(run("case", "sign", case_id, *as_quill), "items:", "not decided")


def test_bad_files_are_named_in_the_error(world, tmp_path):
    db = world
    as_coord = ["--db", db, "--as", "coord"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(application(filed_on="2026-10-01", employee_name=" ")))
    line = one_error(
        run("case", "file", str(bad), *as_coord), str(bad), "employee_name", "filed_on"
    )
    assert "before ur_decision_date" in line

    broken = tmp_path / "broken.json"
    broken.write_text('{"employee_name": "A",\n  "date_of_injury": }')
    one_error(run("case", "file", str(broken), *as_coord), str(broken), "line 2")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("employee_name: [A\n")
    one_error(run("case", "file", str(broken_yaml), *as_coord), str(broken_yaml), "YAML")
    one_error(
        run("case", "file", str(tmp_path / "absent.yaml"), *as_coord), "absent.yaml", "no such"
    )
    text = tmp_path / "application.txt"
    text.write_text("hello")
    one_error(run("case", "file", str(text), *as_coord), str(text), ".json")

    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump([{**ROSTER[0], "id": "R-X", "specialties": ["Astrology"]}]))
    one_error(
        run("reviewer", "add", str(roster), "--db", db, "--as", "director"),
        str(roster),
        "roster[0]",
        "specialties",
    )
    # Nothing was saved from the refused file.
    listed = json.loads(ok("reviewer", "list", "--format", "json", *as_coord).stdout)
    assert [r["id"] for r in listed] == ["R-OCC", "R-PMR"]

    case_id = file_case(db, tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    one_error(
        run("case", "add-document", case_id, str(empty), "--kind", "medical_record", *as_coord),
        str(empty),
        "empty",
    )
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n")
    one_error(
        run("case", "add-document", case_id, str(image), "--kind", "medical_record", *as_coord),
        str(image),
        "neither text nor PDF",
    )
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    one_error(
        run("case", "add-document", case_id, str(note), "--kind", "gossip", *as_coord), "kind:"
    )


def test_audit_verify_finds_an_edited_event(world, tmp_path):
    db = world
    file_case(db, tmp_path)
    assert ok("audit", "verify", "--db", db).stdout.startswith("valid: ")
    report = json.loads(ok("audit", "verify", "--db", db, "--format", "json").stdout)
    assert report["valid"] and report["events"] > 5 and report["problems"] == []

    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        # The database refuses the edit while its trigger stands.
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE audit_events SET actor = 'user:99' WHERE seq = 2")
        connection.execute("DROP TRIGGER audit_events_no_update")
        connection.execute("UPDATE audit_events SET actor = 'user:99' WHERE seq = 2")
    connection.close()

    result = run("audit", "verify", "--db", db)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"NOT VALID: {report['events']} events read, 1 problem(s)",
        "  event 2 was changed after it was written",
    ]
    result = run("audit", "verify", "--db", db, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == ["event 2 was changed after it was written"]


def test_an_unmigrated_store_is_refused_with_the_hint(tmp_path):
    absent = tmp_path / "absent.sqlite"
    one_error(run("case", "list", "--db", str(absent), "--as", "x"), "run `openimr db upgrade`")
    assert not absent.exists()  # refusing it did not create it

    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    url = f"sqlite:///{empty}"
    for args in [
        ("case", "list", "--as", "x"),
        ("audit", "verify"),
        ("reviewer", "list", "--as", "x"),
        ("user", "add", "d", "--role", "medical_director", "--password-stdin"),
    ]:
        one_error(run(*args, "--db", url, input=PASSWORD + "\n"), "empty", "openimr db upgrade")
    current = run("db", "current", "--db", url)
    assert current.exit_code == 0 and current.stdout == "none\n"
    assert "openimr db upgrade" in current.stderr

    ok("db", "upgrade", "--db", url)
    assert ok("db", "current", "--db", url).stdout == f"{migrate.head()}\n"
    again = ok("db", "upgrade", "--db", url)  # a current store: nothing to do
    assert again.stdout == f"{migrate.head()} -> {migrate.head()}\n"
    assert "already current" in again.stderr

    one_error(run("db", "current", "--db", "mysql://u@h/db"), "--db", "mysql")

    # A store written by a newer openimr (a revision this one does not know) is not touched.
    with sqlite3.connect(empty) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
    connection.close()
    one_error(run("db", "upgrade", "--db", url), "upgrade failed", "ffff")
    one_error(run("case", "list", "--db", url, "--as", "x"), "revision ffff", "openimr db upgrade")


def test_the_first_account_is_a_director_and_passwords_are_prompted(db):
    one_error(
        run("user", "add", "coord", "--role", "coordinator", "--password-stdin", "--db", db,
            input=PASSWORD + "\n"),
        "--role",
        "medical_director",
    )  # fmt: skip
    # Asked twice, hidden; the password goes nowhere near standard output.
    made = ok("user", "add", "director", "--role", "medical_director", "--db", db,
              input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert made.stdout == "user:1\tdirector\tmedical_director\n"
    assert PASSWORD not in made.stdout + made.stderr
    # Now an account must act.
    one_error(
        run("user", "add", "coord", "--role", "coordinator", "--password-stdin", "--db", db,
            input=PASSWORD + "\n"),
        "--as",
    )  # fmt: skip
    one_error(
        run("user", "add", "coord", "--role", "coordinator", "--password-stdin", "--db", db,
            "--as", "director", input="short\n"),
        "password:",
        "12",
    )  # fmt: skip
    one_error(
        run("user", "add", "doc", "--role", "reviewer", "--password-stdin", "--db", db,
            "--as", "director", input=PASSWORD + "\n"),
        "reviewer_id",
    )  # fmt: skip
    one_error(
        run("user", "add", "director", "--role", "coordinator", "--password-stdin", "--db", db,
            "--as", "director", input=PASSWORD + "\n"),
        "taken",
    )  # fmt: skip


def test_reviewer_list_formats(world):
    db = world
    table = ok("reviewer", "list", "--db", db, "--as", "coord").stdout.splitlines()
    assert table[0].split()[:3] == ["ID", "NAME", "STATES"]
    assert [line.split()[0] for line in table[1:]] == ["R-OCC", "R-PMR"]
    listed = json.loads(
        ok("reviewer", "list", "--format", "json", "--db", db, "--as", "coord").stdout
    )
    assert listed[1]["specialties"] == ["physical_medicine_and_rehabilitation"]


def test_terminate_expedite_and_a_pdf_is_not_sent_to_a_terminal(world, tmp_path, monkeypatch):
    db = world
    as_coord = ["--db", db, "--as", "coord"]
    case_id = ready_for_review(db, tmp_path)
    one_error(run("case", "expedite", case_id, "--certification", " ", *as_coord), "certification")
    expedited = ok("case", "expedite", case_id, "--certification", "Imminent threat.", *as_coord)
    assert "\texpedited\t" in expedited.stdout
    one_error(run("case", "expedite", case_id, "--certification", "Again.", *as_coord), "already")

    monkeypatch.setattr("openimr.cli.cases.stdout_is_terminal", lambda: True)
    one_error(run("case", "letter", case_id, "--format", "pdf", *as_coord), "--out")
    draft_letter = ok("case", "letter", case_id, "--format", "html", *as_coord).stdout
    assert draft_letter.lstrip().lower().startswith("<!doctype html")

    ended = ok("case", "terminate", case_id, "--reason", "Authorised by the claims administrator",
               *as_coord)  # fmt: skip
    assert ended.stdout == f"{case_id}\tterminated\n"
    one_error(run("case", "terminate", case_id, "--reason", "again", *as_coord), "status:")


def test_a_seed_letter_as_an_application(world, tmp_path):
    """A realistic case: a published letter's items as the application, its summary as the
    record; the draft has the letter's items in order."""
    db = world
    seed = seed_paths()[0] if seed_paths() else None
    if seed is None:
        pytest.skip("the seed letters are not here")
    titles = [r.text for r in load_case(seed).requests]
    case_id = file_case(db, tmp_path, treatments=titles, specialties_treating=[])
    as_coord = ["--db", db, "--as", "coord"]
    ok("case", "add-document", case_id, str(seed), "--kind", "case_summary", *as_coord)
    ok("case", "assign", case_id, "--reviewer", "R-PMR", *as_coord)
    draft = json.loads(ok("case", "draft", case_id, *as_coord).stdout)
    assert [i["request"] for i in draft["items"]] == titles


def test_assigning_a_named_reviewer_who_does_not_qualify_says_why(world, tmp_path):
    db = world
    case_id = file_case(db, tmp_path)
    one_error(
        run("case", "assign", case_id, "--reviewer", "R-OCC", "--db", db, "--as", "coord"),
        "Pinecrest Claims Services",
    )
    one_error(
        run("case", "assign", case_id, "--reviewer", "R-NONE", "--db", db, "--as", "coord"),
        "no reviewer R-NONE",
    )


# ---------------------------------------------------------------------------------------
# serve: the app factory and the call to uvicorn, without starting a server.


def test_serve_demo_seeds_an_empty_store_and_says_how_to_log_in(tmp_path):
    from fastapi.testclient import TestClient

    from openimr.cli.serve import build

    if len(seed_paths()) < 2:
        pytest.skip("the seed letters are not here")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in seed_paths()[:2]:
        (seeds / path.name).write_bytes(path.read_bytes())
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    served = build(url, host="127.0.0.1", port=8123, demo=True, seeds=seeds)
    try:
        text = "\n".join(served.lines)
        assert "http://127.0.0.1:8123/api/v1" in text
        assert "http://127.0.0.1:8123/api/v1/docs" in text
        for account in ["coordinator (coordinator)", "director (medical_director)", "dr.avery"]:
            assert account in text
        assert DEMO_PASSWORD in text
        assert str(tmp_path / "demo.sqlite") in text
        assert "Ctrl-C stops it" in text
        assert re.search(r"demo cases: IMR-\d{4}-000001, IMR-\d{4}-000002$", text, re.M)
        client = TestClient(served.app)
        token = client.post(
            "/api/v1/token", data={"username": "director", "password": DEMO_PASSWORD}
        )
        assert token.status_code == 200
        assert client.get("/api/v1/openapi.json").status_code == 200
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        queue = client.get("/api/v1/cases", headers=bearer).json()
        assert [c["status"] for c in queue] == ["records_requested", "eligible"]
    finally:
        served.store.dispose()
    # A second start leaves the store as it was and still lists its accounts.
    again = build(url, host="0.0.0.0", port=8123, demo=True, seeds=None)
    again.store.dispose()
    assert again.lines[0] == "openimr: serving http://127.0.0.1:8123/api/v1"
    assert any("left as it was" in line for line in again.lines)
    assert any("director (medical_director)" in line for line in again.lines)


def test_serve_runs_uvicorn_without_an_access_log(db, monkeypatch):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    result = ok("serve", "--db", db, "--port", "8124")
    [(app, options)] = calls
    assert options == {
        "host": "127.0.0.1",
        "port": 8124,
        "access_log": False,
        "log_level": "warning",
    }
    assert app.title == "openimr"
    assert "http://127.0.0.1:8124/api/v1" in result.stderr and result.stdout == ""
    ok("serve", "--db", db, "--log-level", "info")
    assert calls[-1][1]["log_level"] == "info"


def test_serve_refuses_an_unmigrated_store_without_demo(tmp_path, monkeypatch):
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: pytest.fail("started"))
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    one_error(run("serve", "--db", str(empty)), "openimr db upgrade")
    one_error(run("serve", "--demo", "--db", str(empty), "--seeds", str(tmp_path / "none")),
              "--seeds")  # fmt: skip


def test_a_store_that_cannot_be_reached_is_one_line_without_its_password():
    url = "postgresql://imr:hunter2@127.0.0.1:1/openimr"  # nothing listens on port 1
    line = one_error(run("case", "list", "--db", url, "--as", "x"), "cannot read the store")
    assert "hunter2" not in line and "***" in line


def test_every_command_teaches_with_examples():
    for group in ["db", "case", "user", "reviewer", "audit", "serve"]:
        assert (
            "Examples:" in ok(group, "--help").stdout or "A case from" in ok(group, "--help").stdout
        )
    assert "no password" in ok("case", "--help").stdout.lower()


def test_the_commands_work_on_postgresql(pg_server, tmp_path):  # noqa: F811
    from sqlalchemy import create_engine, text

    name = f"openimr_cli_{uuid.uuid4().hex[:12]}"  # unique on a shared server too
    admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    # As a user would write it: no driver named (psycopg 3 is chosen).
    db = f"{pg_server}/{name}".replace("postgresql+psycopg://", "postgresql://")
    one_error(run("case", "list", "--db", db, "--as", "x"), "empty", "openimr db upgrade")
    assert ok("db", "upgrade", "--db", db).stdout == f"none -> {migrate.head()}\n"
    ok("user", "add", "director", "--role", "medical_director", "--password-stdin",
       "--db", db, input=PASSWORD + "\n")  # fmt: skip
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(ROSTER))
    ok("reviewer", "add", str(roster), "--db", db, "--as", "director")
    ok("user", "add", "coord", "--role", "coordinator", "--password-stdin", "--db", db,
       "--as", "director", input=PASSWORD + "\n")  # fmt: skip
    case_id = file_case(db, tmp_path)
    assigned = ok("case", "assign", case_id, "--db", db, "--as", "coord")
    assert assigned.stdout.startswith(f"{case_id}\tassigned\tR-PMR")
    assert ok("audit", "verify", "--db", db).stdout.startswith("valid: ")
