"""The browser tests' world: one live server and one Chromium for the whole session.

The server is the real app (`create_app`) on a migrated SQLite store seeded with the small
world of `tests/service/people.py`, served by uvicorn on loopback in a background thread.
Chromium is Debian's (`.ci/browser` installs it); Playwright drives it by its path and never
downloads a browser. Without Chromium the tests skip here and fail under CI."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from openimr.service import migrate
from openimr.service.api import create_app
from openimr.service.application import Application
from openimr.service.auth import SYSTEM, Principal, principal
from openimr.service.cases import CaseService
from openimr.service.db import Store
from tests.service.people import NOTE, PASSWORD, START, application, world

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}

# The engine encodes the guidelines in force before 2017 criterion by criterion, so a case
# whose UR decision is from 2016 gets a draft with evidence spans in the progress note.
DATED_2016 = {"date_of_injury": "2016-03-09", "ur_decision_date": "2016-10-20"}
FILED_2016 = "2016-10-30"
COUNSEL_EMAIL = "counsel@vance-law.example.org"


class TickingClock:
    """The service's clock: a fixed start that moves with real time, so the pages' deadlines
    are the same on every run while tokens and audit times still advance."""

    def __init__(self, start: dt.datetime) -> None:
        self.start, self.began = start, time.monotonic()
        self.offset = dt.timedelta()
        """A jump a test makes (and undoes) to see deadlines pass."""

    def __call__(self) -> dt.datetime:
        return self.start + self.offset + dt.timedelta(seconds=time.monotonic() - self.began)


@dataclass
class Live:
    url: str
    service: CaseService
    users: dict[str, int]
    clock: TickingClock
    password: str = PASSWORD
    _serial: list[int] = field(default_factory=lambda: [0])

    def who(self, username: str) -> Principal:
        from sqlalchemy import select

        from openimr.service.tables import User

        with self.service.store.read() as session:
            user = session.execute(select(User).where(User.username == username)).scalar_one()
            return principal(user)

    def application(self, **changes: Any) -> dict[str, Any]:
        """The world's application with 2016 dates and a fresh claim number: each case its
        own (the same claim number would be consolidated into the open case)."""
        self._serial[0] += 1
        data = application(
            employee_id=f"CLM-W{os.getpid() % 1000:03d}{self._serial[0]:03d}",
            filed_on=FILED_2016,
            **DATED_2016,
        )
        data.update(changes)
        return data

    def ready_for_review(self, **changes: Any) -> str:
        """A case through the service (not the pages): filed, assigned to Dr. Quill, the
        notice sent, the progress note uploaded, the records complete."""
        coord = self.who("coord")
        filed = self.service.file_application(
            coord, Application.model_validate(self.application(**changes))
        )
        case_id = filed.case_id
        self.service.assign(coord, case_id, reviewer_id="R-PMR")
        self.service.request_records(coord, case_id, notice_by="electronic")
        self.service.add_document(
            coord, case_id, content=NOTE.encode(), filename="note.txt", kind="medical_record"
        )
        self.service.complete_records(coord, case_id)
        return case_id

    def signed(self, **changes: Any) -> str:
        """A case decided as drafted and signed by Dr. Quill, through the service."""
        case_id = self.ready_for_review(**changes)
        quill = self.who("quill")
        self.service.get_draft(quill, case_id)
        for item in self.service.get_case(quill, case_id).items:
            decision = item.draft_decision or "Upheld"
            reason = None if item.draft_decision else "Decided by the reviewer."
            self.service.decide_item(quill, case_id, item.n, decision=decision, reason=reason)
        self.service.sign(quill, case_id)
        return case_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('web') / 'openimr.sqlite'}")
    migrate.upgrade(store)
    clock = TickingClock(START)
    service = CaseService(store, clock=clock)
    users = world(service)
    # A party whose account has an email (the world's have none): signs in by email.
    users["counsel"] = service.create_user(
        SYSTEM, username="counsel", password=PASSWORD, role="party", email=COUNSEL_EMAIL
    )
    # A few cases in other states, so the queue has rows to sort and filter.
    live = Live(url="", service=service, users=users, clock=clock)
    live.ready_for_review()
    coord = live.who("coord")
    for changes in ({}, {"expedited": True}):
        filed = service.file_application(
            coord, Application.model_validate(live.application(**changes))
        )
        assert filed.status == "eligible", filed

    port = _free_port()
    config = uvicorn.Config(
        create_app(service), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    live.url = f"http://127.0.0.1:{port}"
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run .ci/browser (as root) for the browser tests"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Root (containers, CI) needs --no-sandbox; the browser is Debian's, never a download.
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live) -> Iterator[Callable[..., Any]]:
    """Pages in fresh contexts (each its own cookies: one per person signed in)."""
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(
            viewport=VIEWPORT, accept_downloads=True, base_url=live.url, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(new_page, live) -> Callable[[str], Any]:
    """A page signed in as the given account (the Email field takes a user name too)."""

    def _sign_in(username: str, **options: Any) -> Any:
        page = new_page(**options)
        page.goto("/sign-in")
        page.get_by_label("Email").fill(username)
        page.get_by_label("Password").fill(live.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert page.get_by_role("button", name="Sign out").count() == 1, page.content()[:2000]
        return page

    return _sign_in


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
