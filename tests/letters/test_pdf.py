"""The PDF letter: a draft mark on every page, the same bytes for the same case, and no
compiler or linker started to find WeasyPrint's libraries."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openimr.letters.render import render_letter
from tests.conftest import SEEDS
from tests.letters.test_render import CASE, SUMMARY, _determination

SRC = Path(__file__).resolve().parents[2] / "src"
CAUSE_OF_DRAFT = "not signed by a physician reviewer"
SEED = "001_8220bf60ca375ac6.txt"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _long_summary() -> str:
    sentence = "She reports neck pain with lifting, and her sleep is poor because of it. "
    return "\n\n".join(sentence * 12 for _ in range(8))


def test_every_page_of_an_unsigned_pdf_says_draft_and_no_page_of_a_signed_one_does():
    summary = _long_summary()
    pages = _pdf_pages(render_letter(_determination(), CASE, summary, "pdf"))
    assert len(pages) >= 3, "the letter must run to several pages for this test"
    for number, text in enumerate(pages, start=1):
        assert "DRAFT" in text and CAUSE_OF_DRAFT in text, f"page {number} of {len(pages)}"
    signed = _pdf_pages(render_letter(_determination(signed=True), CASE, summary, "pdf"))
    assert all("DRAFT" not in text for text in signed)


def test_the_same_case_gives_the_same_pdf_bytes_even_a_second_later(monkeypatch):
    import time

    from pypdf import PdfReader

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render_letter(_determination(), CASE, SUMMARY, "pdf")
    # Font subsets are stamped with the time they are made: move the clock on.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 1000)
    second = render_letter(_determination(), CASE, SUMMARY, "pdf")
    assert first == second
    identifier = PdfReader(io.BytesIO(first)).trailer["/ID"][0]
    assert identifier and len(identifier) == 32
    # The identifier follows what was decided, not chance.
    other = _determination().model_copy(update={"input_sha256": "b" * 64})
    other_pdf = render_letter(other, CASE, SUMMARY, "pdf")
    assert PdfReader(io.BytesIO(other_pdf)).trailer["/ID"][0] != identifier


# Run in a fresh interpreter: which programs does a first PDF render start?
_COUNT_PROGRAMS = r"""
import collections, ctypes.util, json, subprocess, sys
from pathlib import Path
started = collections.Counter()
_init = subprocess.Popen.__init__
def _counting(self, args, *rest, **kwargs):
    first = args if isinstance(args, str) else args[0]
    started[Path(str(first).split()[0]).name] += 1
    _init(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = _counting
real = ctypes.util.find_library
from openimr.intake.case_file import intake_case, load_case
from openimr.letters.render import render_letter
from openimr.review.engine import review_case
review = review_case(intake_case(load_case(Path(sys.argv[1]))))
pdf = render_letter(review.determination, review.case, review.case.clinical_summary, "pdf")
print(json.dumps({"started": started, "pdf": pdf[:5].decode(),
                  "find_library_restored": ctypes.util.find_library is real}))
"""


def test_a_pdf_render_starts_no_compiler_or_linker():
    completed = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            "-c",
            _COUNT_PROGRAMS,
            str(SEEDS / "001_8220bf60ca375ac6.txt"),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    report = json.loads(completed.stdout.splitlines()[-1])
    assert report["pdf"] == "%PDF-"
    assert report["find_library_restored"]
    for program in ("gcc", "cc", "ld", "ldconfig", "collect2"):
        assert program not in report["started"], report["started"]
