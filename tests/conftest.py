"""Shared test fixtures: the seed letters, their annotations, and PDFs made from text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No example database: examples saved by an earlier version of a strategy can replay as
# "inconsistent data generation" after the strategy changes. Each run explores afresh.
settings.register_profile("openimr", database=None)
settings.load_profile("openimr")

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


def pytest_configure(config: pytest.Config) -> None:
    """The test run keeps a prefilter catalogue of its own in the run cache
    (intake/prefilter.py): its patterns, the rules' and the tests' own, would otherwise be
    what the user's next command starts from, every text of a batch scanned for them. (A
    hook, not an import: bench/ scripts import this module for the seed paths.)"""
    from openimr.intake import prefilter

    prefilter.CATALOGUE = "prefilter-catalogue-tests"


def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads((SEEDS / "gold.json").read_text(encoding="utf-8"))["documents"]


def text_to_pdf(text: str, path: Path, *, encrypt: str | None = None) -> Path:
    """Typeset text line by line into a PDF, the way a letter is printed."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=letter, encrypt=encrypt, invariant=1)
    height = letter[1]
    y = height - 54
    for line in text.split("\n"):
        if y < 54:
            pdf.showPage()
            y = height - 54
        pdf.setFont("Helvetica", 8.5)
        pdf.drawString(40, y, line.rstrip())
        y -= 11
    pdf.save()
    return path


def new_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run cache as a new run finds it: its file as it is, nothing read or computed yet
    (the test's own run given back afterwards)."""
    from openimr import runcache

    monkeypatch.setattr(runcache, "_raw", None)
    monkeypatch.setattr(runcache, "_used", {})
    monkeypatch.setattr(runcache, "_fresh", set())


@pytest.fixture
def fresh_runcache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new run with its run cache file (not yet written) in tmp_path."""
    path = tmp_path / "startup.pickle"
    monkeypatch.setenv("OPENIMR_CACHE", str(path))
    new_run(monkeypatch)
    return path


def predicate_answer(
    predicate: str, text: str, request: str, on: dt.date = dt.date(2016, 6, 1)
) -> Any:
    """The value the default pack answers ``predicate`` with for a case whose clinical
    summary is ``text`` and whose one request is ``request``, decided ``on`` (None: not
    answered)."""
    from openimr.intake.case_file import intake_case
    from openimr.intake.requests import parse_request
    from openimr.model import Case
    from openimr.pack.answers import Predicates
    from openimr.review.engine import default_pack

    case = Case(
        case_id="t", decision_date=on, clinical_summary=text, requests=[parse_request(request)]
    )
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], on).get(predicate)
    return None if found is None else found.value
