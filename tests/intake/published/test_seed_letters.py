"""The five seed letters parse to what gold.json records, from text and from PDF."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from openimr.intake.published.reader import parse_letter_file
from tests.conftest import seed_paths, text_to_pdf


def _core(annotation: str) -> str:
    """The annotators add comments in parentheses at the end; compare what precedes them."""
    return re.sub(r"\s*\((?:the|none)\b[^()]*\)$", "", annotation, flags=re.I)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9.-]+", text.lower()))


@pytest.fixture(scope="module", params=["txt", "pdf"])
def parsed(request, tmp_path_factory):
    records = {}
    for path in seed_paths():
        if request.param == "pdf":
            text = path.read_text(encoding="utf-8")
            path = text_to_pdf(text, tmp_path_factory.mktemp("pdf") / (path.stem + ".pdf"))
        records[path.stem + ".txt"] = parse_letter_file(path)
    return records


def test_every_seed_is_parsed(parsed, gold):
    assert sorted(parsed) == sorted(gold)


@pytest.mark.parametrize("name", [path.name for path in seed_paths()])
def test_items_in_order_with_decisions(parsed, gold, name):
    record, expected = parsed[name], gold[name]
    assert [item.request for item in record.items] == [i["request"] for i in expected["items"]]
    assert [item.decision for item in record.items] == [i["decision"] for i in expected["items"]]
    assert [item.number for item in record.items] == list(range(1, len(record.items) + 1))


@pytest.mark.parametrize("name", [path.name for path in seed_paths()])
def test_reviewer_and_patient(parsed, gold, name):
    record, expected = parsed[name], gold[name]
    assert record.reviewer is not None
    assert record.reviewer.specialties[0] == expected["reviewer"]["specialty"]
    assert record.reviewer.licensure == [expected["reviewer"]["licensure"]]
    patient = expected["patient"]
    assert record.patient.age == patient["age"]
    assert record.patient.sex == patient["sex"]
    expected_doi = patient["date_of_injury"]
    assert record.patient.date_of_injury == (
        dt.date.fromisoformat(expected_doi) if expected_doi else None
    )


@pytest.mark.parametrize("name", [path.name for path in seed_paths()])
def test_truncation(parsed, gold, name):
    record = parsed[name]
    assert record.truncated is gold[name]["truncated"]
    assert record.truncated is any(item.truncated for item in record.items)


@pytest.mark.parametrize("name", [path.name for path in seed_paths()])
def test_guidelines_match_the_annotations(parsed, gold, name):
    for item, expected in zip(parsed[name].items, gold[name]["items"], strict=True):
        for field in ("claims_administrator_guideline", "reviewer_guideline"):
            ours = getattr(item, field)
            assert ours is not None, field
            core = _core(expected[field])
            # Where the annotators shortened a citation, every word they kept is ours.
            assert ours.summary == core or _words(core) <= _words(ours.summary), (field, core)


def test_truncated_items_are_the_ones_that_lost_their_ending(parsed):
    letter = parsed["002_1892e1ca490f3cac.txt"]
    assert [item.truncated for item in letter.items] == [True, False, True]
    assert letter.items[0].truncation_reason == "the rationale stops mid-sentence"
    assert letter.items[1].rationale.endswith("to not be medically necessary.")


def test_non_mtus_citations(parsed):
    myofascial = parsed["000_1c472b9f1a9e9143.txt"].items[1]
    assert myofascial.non_mtus_citations == [
        "Official Disability Guidelines (ODG) Low Back, Physical Therapy"
    ]
    assert myofascial.reviewer_guideline.citations[0].pages == "60, 98-99"
    neurosurgical = parsed["003_2e1617c66d1fe6e4.txt"].items[1]
    assert neurosurgical.claims_administrator_guideline.mtus_not_used
    assert parsed["004_21c8226c7447611c.txt"].items[0].claims_administrator_guideline.none_cited


def test_text_is_normalised(parsed):
    letter = parsed["002_1892e1ca490f3cac.txt"]
    rationale = letter.items[0].rationale
    assert "§§9792.20" in rationale and "Â" not in rationale  # mojibake repaired
    assert "long-term followup" in rationale  # a real hyphen kept across the line end
    summary = parsed["000_1c472b9f1a9e9143.txt"].clinical_summary
    assert summary.startswith("The patient is a 37-year-old female")  # intro dropped
    assert "\n\n\n" not in summary and "  " not in summary
    assert "2010. Medical records" in summary  # run-on sentence split


def test_reviewer_kind(parsed):
    assert parsed["002_1892e1ca490f3cac.txt"].reviewer.kind == "physician_reviewer"
    assert parsed["001_8220bf60ca375ac6.txt"].reviewer.kind == "expert_reviewer"
