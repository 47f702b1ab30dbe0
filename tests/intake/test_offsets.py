"""Evidence offsets point into what the user supplied: ``input[start:end] == evidence.text``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.intake.case_file import case_from_data, case_sources, intake_case, load_case
from openimr.intake.documents import repair_mapped
from openimr.review.engine import review_case
from tests.conftest import seed_paths

WRITTEN = Path(__file__).resolve().parents[3] / "shared" / "eval" / "written-cases.jsonl"


def _texts(data: dict) -> dict[str, str]:
    texts = {"clinical_summary": data.get("clinical_summary", "")}
    texts |= {f"records[{i}]": r["text"] for i, r in enumerate(data.get("records", []))}
    return texts


def _spans(review, facts):
    for fact in facts:
        yield from fact.evidence
    for item in review.determination.items:
        for criterion in item.criteria:
            yield from criterion.evidence


def test_every_span_of_every_written_case_indexes_the_input():
    checked = 0
    for line in WRITTEN.read_text(encoding="utf-8").splitlines():
        data = {k: v for k, v in json.loads(line).items() if k != "style"}
        data["requests"] = [{"text": r["text"]} for r in data["requests"]]
        texts = _texts(data)
        case = case_from_data(data, "written")
        review = review_case(intake_case(case))
        for evidence in _spans(review, intake_case(case).facts):
            assert texts[evidence.source][evidence.start : evidence.end] == evidence.text
            checked += 1
    assert checked > 300


def test_seed_letters_carry_the_texts_their_offsets_index():
    for path in seed_paths():
        case = load_case(path)
        review = review_case(intake_case(case))
        texts = review.determination.source_texts
        assert texts is not None and texts["clinical_summary"] == case.clinical_summary
        spans = list(_spans(review, review.facts))
        assert spans
        for evidence in spans:
            assert texts[evidence.source][evidence.start : evidence.end] == evidence.text


def test_repairs_do_not_move_offsets_in_a_text_case_file(tmp_path):
    # Windows line ends, mojibake, a run-on sentence and a BOM: each repair changes lengths.
    text = (
        "Case ID: m1\r\nDecision date: 2014-06-01\r\n"
        "The worker was injured on 01/02/2013.He has low back pain rated 7/10.\r\n"
        "CafÃ© worker; Â§ 9792.24.1 noted. He completed 6 acupuncture sessions with "
        "functional improvement.\r\nRequest: Acupuncture x 6 lumbar\r\n"
    )
    path = tmp_path / "case.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    case = load_case(path)
    review = review_case(intake_case(case))
    spans = list(_spans(review, review.facts))
    assert spans
    for evidence in spans:
        assert text[evidence.start : evidence.end] == evidence.text
    assert any("acupuncture" in e.text.lower() for e in spans)


def test_input_sha256_is_the_hash_of_the_bytes_supplied(tmp_path):
    data = {"case_id": "h", "decision_date": "2014-06-01", "clinical_summary": "Neck pain.",
            "requests": [{"text": "Acupuncture x6"}]}  # fmt: skip
    raw = json.dumps(data).encode("utf-8")
    path = tmp_path / "c.json"
    path.write_bytes(raw)
    assert review_case(intake_case(load_case(path))).determination.input_sha256 == (
        hashlib.sha256(raw).hexdigest()
    )
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(raw + b"\n" + raw.replace(b'"h"', b'"i"') + b"\n")
    hashes = [read().input_sha256 for _, read in case_sources(batch)]
    assert hashes == [
        hashlib.sha256(raw).hexdigest(),
        hashlib.sha256(raw.replace(b'"h"', b'"i"')).hexdigest(),
    ]


_PIECES = st.sampled_from(
    ["pain", " ", "\n", "\r\n", "\r", "\f", "2010.Medical", "Â§", "cafÃ©", "é", "x.Yes", "—"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40), st.data())
def test_repair_maps_every_span_back_inside_the_original(pieces, data):
    original = "".join(pieces)
    repaired = repair_mapped(original)
    n = len(repaired.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    a, b = repaired.span(start, end)
    assert 0 <= a <= b <= len(original)
    # Text no repair touched maps to itself.
    if (
        repaired.text[start:end].isascii()
        and "\n" not in repaired.text[start:end]
        and (". " not in repaired.text[max(0, start - 1) : end + 1])
    ):
        assert original[a:b] == repaired.text[start:end]
