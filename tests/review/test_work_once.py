"""Work is done once: for one seed letter with two requests, each extraction runs once per
text, and rule selection, evaluation and each limit's measurement once per request."""

from __future__ import annotations

from collections import Counter
from functools import wraps

import openimr.intake.facts.extract as extract_module
import openimr.intake.published.reader as reader_module
import openimr.intake.requests as requests_module
import openimr.review.engine as engine_module
import openimr.review.evaluate as evaluate_module
from openimr.intake.case_file import intake_case, load_case
from openimr.review.engine import default_pack, review_case
from tests.conftest import seed_paths


def _counting(monkeypatch, calls: Counter, module, name: str, label: str) -> None:
    original = getattr(module, name)

    @wraps(original)
    def counted(*args, **kwargs):
        calls[label] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def test_one_seed_with_two_requests_does_each_piece_of_work_once(monkeypatch):
    default_pack()  # loading the pack is not part of a review
    (seed,) = [p for p in seed_paths() if p.name.startswith("000")]
    calls: Counter = Counter()
    for module, name, label in [
        (extract_module, "extract_patient", "demographics"),
        (reader_module, "extract_patient", "demographics"),
        (requests_module, "parse_request", "parse_request"),
        (engine_module, "select_rule", "select_rule"),
        (engine_module, "evaluate", "evaluate"),
        (evaluate_module, "request_measure", "request_measure"),
    ]:
        _counting(monkeypatch, calls, module, name, label)
    import openimr.intake.case_file as case_file_module

    _counting(monkeypatch, calls, case_file_module, "extract_facts", "extract_facts")
    _counting(monkeypatch, calls, case_file_module, "parse_request", "parse_request")
    _counting(monkeypatch, calls, case_file_module, "parse_letter_text", "parse_letter")

    review = review_case(intake_case(load_case(seed)))

    requests = len(review.case.requests)
    assert requests == 2
    limits = sum(len(item.rule.limits) for item in review.items if item.rule)
    assert calls["parse_letter"] == 1
    assert calls["extract_facts"] == 1  # one text: the clinical summary
    assert calls["demographics"] == 1
    assert calls["parse_request"] == requests
    assert calls["select_rule"] == requests
    assert calls["evaluate"] == requests
    assert calls["request_measure"] == limits
