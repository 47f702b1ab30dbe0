"""axe-core (the copy bundled with axe-playwright-python) on the workbench's main pages: no
violation of impact serious or critical; the lesser ones are printed for the record."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.web.conftest import Live

BLOCKING = {"serious", "critical"}


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"GET {path}: {response and response.status}"


def check(page: Page, what: str) -> None:
    results = Axe().run(page)
    violations = results.response["violations"]
    for v in violations:
        if v["impact"] not in BLOCKING:
            print(f"{what}: {v['id']} ({v['impact']}) x{len(v['nodes'])}: {v['help']}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{what}:\n" + results.generate_report()


@pytest.fixture(scope="module")
def cases(live: Live) -> dict[str, str]:
    return {"open": live.ready_for_review(), "signed": live.signed()}


def test_sign_in_page(new_page) -> None:
    page = new_page()
    visit(page, "/sign-in")
    check(page, "sign-in")


def test_queue_page(sign_in, cases) -> None:
    page = sign_in("coord")
    visit(page, "/queue")
    check(page, "queue (coordinator)")
    page = sign_in("quill")
    visit(page, "/queue")
    check(page, "queue (reviewer)")


def test_case_page(sign_in, cases) -> None:
    page = sign_in("quill")
    visit(page, f"/cases/{cases['open']}")
    check(page, "case (reviewer, deciding)")
    page = sign_in("coord")
    visit(page, f"/cases/{cases['signed']}")
    check(page, "case (coordinator, signed)")


def test_letter_page(sign_in, cases) -> None:
    page = sign_in("quill")
    visit(page, f"/cases/{cases['signed']}/letter")
    check(page, "letter")
