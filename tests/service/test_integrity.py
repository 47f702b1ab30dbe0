"""What the store promises whatever happens: a process killed while signing leaves the case as
it was; the audit trail refuses changes and, if the database is tampered with behind its
back, the chain says where; the migrations build exactly the tables the code uses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from openimr.service import audit
from openimr.service.application import Application
from openimr.service.auth import Principal
from openimr.service.cases import CaseService
from openimr.service.tables import AuditEvent, Base, CaseRow, DeterminationRow
from tests.service.people import NOTE, application, world

ROOT = Path(__file__).resolve().parents[2]

# The child signs, and stops dead in the middle of the signing transaction: the determination,
# the case's new state and the audit event are written but not committed.
CHILD = """
import pathlib, sys, time
from openimr.service import audit
from openimr.service.application import Application
from openimr.service.auth import Principal
from openimr.service.cases import CaseService
from openimr.service.db import Store

url, case_id, marker, user_id, reviewer_id = sys.argv[1:]
real = audit.append

def stalled(session, **event):
    written = real(session, **event)
    if event["action"] == "sign":
        session.flush()
        pathlib.Path(marker).write_text("signing, not committed")
        time.sleep(300)
    return written

audit.append = stalled
who = Principal(int(user_id), "quill", "reviewer", reviewer_id)
CaseService(Store(url)).sign(who, case_id)
"""


def _case_ready_to_sign(service: CaseService) -> tuple[str, Principal]:
    ids = world(service)
    coord = Principal(ids["coord"], "coord", "coordinator")
    quill = Principal(ids["quill"], "quill", "reviewer", "R-PMR")
    case_id = service.file_application(coord, _application()).case_id
    service.assign(coord, case_id)
    service.request_records(coord, case_id)
    service.add_document(
        coord, case_id, content=NOTE.encode(), filename="n.txt", kind="medical_record"
    )
    service.complete_records(coord, case_id)
    for item in service.get_case(quill, case_id).items:
        decision = item.draft_decision or "Upheld"
        service.decide_item(quill, case_id, item.n, decision=decision, reason="Reviewed.")
    return case_id, quill


def _application() -> Application:
    return Application.model_validate(application())


def test_kill_9_while_signing_leaves_nothing_half_written(store, store_url, clock, tmp_path):
    service = CaseService(store, clock=clock)
    case_id, quill = _case_ready_to_sign(service)
    with store.read() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, case_id, str(marker), str(quill.user_id),
         "R-PMR"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the child never reached the signing write"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    with store.read() as session:
        assert session.get(CaseRow, case_id).status == "in_review"
        assert session.scalar(select(func.count()).select_from(DeterminationRow)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        assert audit.verify(session).valid
    # And the case can still be signed, once.
    signed = service.sign(quill, case_id)
    assert signed.case_id == case_id
    with store.read() as session:
        assert audit.verify(session).valid
    # What is signed stays as signed.
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
        c.execute(text("UPDATE determinations SET letter_text = 'changed'"))


def _events(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def _unguard(store) -> None:
    """What someone with the database's owner account could do: switch the guard off."""
    with store.engine.begin() as c:
        if store.dialect == "sqlite":
            c.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            c.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        else:
            c.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")


def test_the_database_refuses_to_change_an_audit_row(store, clock):
    world(CaseService(store, clock=clock))
    for statement in ("UPDATE audit_events SET actor = 'someone else' WHERE seq = 1",
                      "DELETE FROM audit_events WHERE seq = 1"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(text(statement))
    with store.read() as session:
        assert audit.verify(session).valid


def test_the_chain_finds_an_edited_row(store, clock):
    world(CaseService(store, clock=clock))
    _unguard(store)
    with store.engine.begin() as c:
        c.execute(text("UPDATE audit_events SET role = 'coordinator' WHERE seq = 3"))
    with store.read() as session:
        report = audit.verify(session)
    assert not report.valid
    assert report.problems == ["event 3 was changed after it was written"]


def test_the_chain_finds_removed_rows(store, clock):
    world(CaseService(store, clock=clock))
    total = _events(store)
    _unguard(store)
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    with store.read() as session:
        assert "event 2 is missing (next is 3)" in audit.verify(session).problems
    with store.engine.begin() as c:
        c.execute(text(f"DELETE FROM audit_events WHERE seq = {total}"))
    with store.read() as session:
        problems = audit.verify(session).problems
    assert any("removed" in p for p in problems)


def test_migrations_build_the_tables_the_code_uses(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
