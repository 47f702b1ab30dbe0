"""Labelled cases: the figures of shared/eval/score.py, labels kept from the engine, bad lines
isolated, every miss explained."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.corpus.labelled import read_labelled, score_labelled
from openimr.corpus.metrics import scores
from openimr.corpus.replay import deciding_criterion
from openimr.intake.case_file import case_from_data, intake_case
from openimr.model import Criterion, CriterionStatus, ItemDecision
from openimr.review.engine import ItemReview, review_case

SCORE_PY = Path(__file__).resolve().parents[3] / "shared" / "eval" / "score.py"

LOW_BACK = {
    "case_id": "lb1",
    "decision_date": "2014-06-01",
    "style": "plain",
    "clinical_summary": "Lumbar strain lifting boxes at work, six months of pain. "
    "Never had massage.",
    "requests": [
        {
            "text": "Massage therapy x 4 lumbar",
            "expected": "Overturned",
            "service": "massage_label",
            "rule": "MTUS massage",
            "criteria": [{"name": "adjunct", "status": "met"}],
            "uncertain": False,
        }
    ],
}
TWO_ITEMS = {
    "case_id": "nk2",
    "decision_date": "2015-03-02",
    "clinical_summary": "Neck pain since a fall at work in 2014; six acupuncture visits so far "
    "without any documented functional gain.",
    "requests": [
        {"text": "Acupuncture 6 visits cervical", "expected": "Upheld"},
        {"text": "Hyperbaric oxygen therapy", "expected": "Upheld"},
    ],
}


def _write(path: Path, *lines: object) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


# --- the figures ------------------------------------------------------------------------------


def test_hand_computed_scores_count_judgement_as_a_miss():
    # expected U,U,U,O,O,O ; ours U,U,O,O,None,U
    pairs = [
        ("Upheld", "Upheld"),
        ("Upheld", "Upheld"),
        ("Upheld", "Overturned"),
        ("Overturned", "Overturned"),
        ("Overturned", None),
        ("Overturned", "Upheld"),
    ]
    result = scores(pairs)
    assert result.items == 6 and result.as_expected == 3 and result.physician_judgement == 1
    assert result.accuracy == 0.5
    assert result.recall_upheld == 0.667 and result.recall_overturned == 0.333
    assert result.balanced_accuracy == 0.5  # (2/3 + 1/3) / 2
    # kappa with "none" as a third answer: po = 3/6; expected U3 O3, ours U3 O2 none1:
    # pe = (3*3 + 3*2) / 36 = 15/36 -> (18/36 - 15/36) / (21/36) = 1/7
    assert result.cohen_kappa == round(1 / 7, 3)


def test_figures_that_cannot_be_computed_are_none():
    only_upheld = scores([("Upheld", "Upheld"), ("Upheld", "Upheld")])
    assert only_upheld.recall_overturned is None and only_upheld.cohen_kappa is None
    assert only_upheld.balanced_accuracy == 1.0 and only_upheld.accuracy == 1.0
    empty = scores([])
    assert empty.items == 0 and empty.accuracy is None and empty.cohen_kappa is None


def _score_py():
    if not SCORE_PY.is_file():
        pytest.skip("shared/eval/score.py is not here")
    spec = importlib.util.spec_from_file_location("score_py", SCORE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_PAIRS = st.lists(
    st.tuples(
        st.sampled_from(["Upheld", "Overturned"]),
        st.sampled_from(["Upheld", "Overturned", None]),
    ),
    min_size=1,
    max_size=40,
)


@given(pairs=_PAIRS)
def test_scores_equal_score_py_on_any_items(pairs):
    expected = _score_py().metrics([{"expected": e, "got": g} for e, g in pairs])
    ours = scores(pairs)
    kappa = expected["kappa"]
    assert ours.cohen_kappa == (None if math.isnan(kappa) else kappa)
    assert (ours.items, ours.accuracy, ours.balanced_accuracy) == (
        expected["items"],
        expected["accuracy"],
        expected["balanced"],
    )
    assert (ours.recall_upheld, ours.recall_overturned, ours.physician_judgement) == (
        expected["recall_upheld"],
        expected["recall_overturned"],
        expected["physician_judgement"],
    )


# --- labels never reach the engine --------------------------------------------------------------


def test_labels_are_removed_before_the_case_is_read():
    labelled = read_labelled(json.dumps(LOW_BACK).encode(), "f.jsonl:1")
    bare = {k: v for k, v in LOW_BACK.items() if k != "style"}
    bare["requests"] = [{"text": LOW_BACK["requests"][0]["text"]}]
    assert labelled.case.model_dump(exclude={"input_sha256"}) == case_from_data(
        bare, "x"
    ).model_dump(exclude={"input_sha256"})
    assert labelled.expected == ["Overturned"] and labelled.services == ["massage_label"]
    assert labelled.style == "plain"


def test_decisions_equal_review_of_the_unlabelled_case(tmp_path):
    report = score_labelled([_write(tmp_path / "c.jsonl", LOW_BACK, TWO_ITEMS)])
    reviewed = []
    for data in (LOW_BACK, TWO_ITEMS):
        bare = {k: v for k, v in data.items() if k != "style"}
        bare["requests"] = [{"text": r["text"]} for r in data["requests"]]
        review = review_case(intake_case(case_from_data(bare, "x")))
        reviewed += [item.decision.decision for item in review.items]
    assert [o.ours for o in report.outcomes] == reviewed
    assert report.cases == 2 and report.overall.items == 3


def test_groups_by_style_and_by_the_label_s_service_else_openimr_s(tmp_path):
    report = score_labelled([_write(tmp_path / "c.jsonl", LOW_BACK, TWO_ITEMS)])
    assert list(report.styles) == ["(none)", "plain"]
    assert report.styles["plain"].items == 1 and report.styles["(none)"].items == 2
    services = {o.request: o.service for o in report.outcomes}
    assert services["Massage therapy x 4 lumbar"] == "massage_label"
    assert services["Acupuncture 6 visits cervical"] == "acupuncture"
    assert sum(s.items for s in report.services.values()) == 3


def test_every_miss_names_what_decided_it(tmp_path):
    report = score_labelled([_write(tmp_path / "c.jsonl", LOW_BACK, TWO_ITEMS)])
    assert report.misses and all(o.ours != o.expected for o in report.misses)
    for miss in report.misses:
        if miss.ours is None:
            assert miss.reason and miss.deciding_criterion is None
        else:
            assert miss.deciding_criterion
            assert any(f"({s.value})" in miss.deciding_criterion for s in CriterionStatus)
    agreed = [o for o in report.outcomes if o.ours == o.expected]
    assert all(o.deciding_criterion is None for o in agreed)


def _item(decision, statuses):
    criteria = [Criterion(id=f"c{i}", text="t", status=status) for i, status in enumerate(statuses)]
    necessary = {None: None, "Upheld": False, "Overturned": True}[decision]
    return ItemReview(
        ItemDecision(
            request="r",
            service="massage",
            decision=decision,
            medically_necessary=necessary,
            decided_by="rule" if decision else "physician_judgement_required",
            criteria=criteria,
        ),
        rule=None,
        result=None,
        deciding=[c for c in criteria if c.status is not CriterionStatus.MET]
        if decision == "Upheld"
        else [],
    )


def test_deciding_criterion_of_an_overturn_against_an_expected_upheld_is_what_was_met():
    met, missing = CriterionStatus.MET, CriterionStatus.NOT_DOCUMENTED
    assert deciding_criterion(_item("Overturned", [met, met]), "Upheld") == "c0 (met); c1 (met)"
    assert deciding_criterion(_item("Upheld", [met, missing]), "Overturned") == (
        "c1 (not_documented)"
    )
    assert deciding_criterion(_item(None, []), "Upheld") is None


# --- bad lines ------------------------------------------------------------------------------------


def test_bad_lines_are_one_line_each_and_the_rest_is_scored(tmp_path):
    wrong = json.loads(json.dumps(TWO_ITEMS))
    wrong["requests"][1]["expected"] = "Denied"
    unlabelled = json.loads(json.dumps(TWO_ITEMS))
    del unlabelled["requests"][0]["expected"]
    path = _write(tmp_path / "c.jsonl", LOW_BACK, "{not json", wrong, "", unlabelled, TWO_ITEMS)
    said: list[str] = []
    report = score_labelled([path], on_error=said.append)
    assert said == report.failed
    assert said == [
        f"{path}:2: not JSON: Expecting property name enclosed in double quotes (column 2)",
        f"{path}:3: requests[1].expected: 'Denied' is not Upheld or Overturned",
        f"{path}:5: requests[0]: no expected decision (Upheld or Overturned)",
    ]
    assert report.cases == 2 and report.overall.items == 3


def test_a_case_the_review_refuses_is_its_line(tmp_path):
    future = {**TWO_ITEMS, "decision_date": (dt.date.today() + dt.timedelta(days=400)).isoformat()}
    no_text = {**TWO_ITEMS, "requests": [{"expected": "Upheld"}]}
    path = _write(tmp_path / "c.jsonl", future, no_text, TWO_ITEMS)
    report = score_labelled([path])
    assert [m.split(":")[:2] for m in report.failed] == [[str(path), "1"], [str(path), "2"]]
    assert report.cases == 1


def test_a_missing_file_is_one_failure(tmp_path):
    report = score_labelled([tmp_path / "nothing.jsonl"])
    assert report.failed == [f"{tmp_path / 'nothing.jsonl'}: no such file"]
    assert report.overall.items == 0
