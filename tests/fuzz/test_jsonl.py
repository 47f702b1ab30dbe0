"""JSON Lines batches (`openimr review FILE.jsonl`) with some bad lines among good ones."""

from __future__ import annotations

import json

import pytest

from tests.fuzz import generators as g
from tests.fuzz.generators import FuzzInput
from tests.fuzz.harness import run_command
from tests.fuzz.props import Family, params, run_family


def _lines(*items: bytes) -> FuzzInput:
    return FuzzInput("jsonl", ".jsonl", b"\n".join(items) + b"\n", target="jsonl")


def _deep(rnd):
    good = json.dumps(rnd.choice(g.valid_cases())).encode()
    return _lines(good, g.gen_json(rnd, "deep").data)


def _huge(rnd):
    good = json.dumps(rnd.choice(g.valid_cases())).encode()
    return _lines(good, g.gen_json(rnd, "huge_int").data)


FAMILIES = [
    Family("mixed-lines", g.gen_jsonl, 120, review=False),
    Family("mixed-lines-reviewed", g.gen_jsonl, 30),
    Family("valid", lambda r: g.gen_jsonl(r, "valid"), 10),
    Family("deep-line", _deep, 10, "jsonl_deep_nesting"),
    Family("huge-integer-line", _huge, 10, "jsonl_huge_integer"),
]


@pytest.mark.parametrize("family", params(FAMILIES))
def test_jsonl_batch(family, tmp_path):
    run_family(family, tmp_path)


# --- a batch is read line by line: each good line reviewed, each bad one named ------------


class LineSplitInsideString(AssertionError):
    """A JSON Lines file was split at a character that is not a line end in JSON Lines."""


class BadLineStopsBatch(AssertionError):
    """The cases after a bad line of a JSON Lines file were not reviewed."""


def _review_batch(tmp_path, lines: list[str]):
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_command(["review", str(path), "--format", "json"])
    text = run.stdout.decode()
    try:
        reviewed = [json.loads(text)] if text.strip() else []  # one case: one JSON document
    except json.JSONDecodeError:
        reviewed = [json.loads(line) for line in text.splitlines() if line.strip()]
    return run, reviewed


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x1c", "\x0c"])
def test_line_separator_inside_a_string_is_not_a_line_end(tmp_path, separator):
    case = dict(g.valid_cases()[0], clinical_summary=f"before{separator}after")
    other = dict(g.valid_cases()[1])
    run, reviewed = _review_batch(
        tmp_path, [json.dumps(case, ensure_ascii=False), json.dumps(other)]
    )
    if run.code != 0 or len(reviewed) != 2:
        raise LineSplitInsideString(f"exit {run.code}, {len(reviewed)} reviewed: {run.stderr}")


def test_a_bad_line_does_not_stop_the_batch(tmp_path):
    good = json.dumps(g.valid_cases()[0])
    run, reviewed = _review_batch(tmp_path, [good, "{", good.replace("CM14-0001", "third")])
    assert run.code == 1, run.stderr
    assert ":2:" in run.stderr, run.stderr
    if len(reviewed) != 2:
        raise BadLineStopsBatch(f"{len(reviewed)} of the 2 good cases reviewed")
