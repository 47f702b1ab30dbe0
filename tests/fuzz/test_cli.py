"""The whole command, in-process through ``openimr.cli.main`` as the console script runs it:
exit code 0, 1 or 2, and every line of standard error an `openimr:` line (no traceback)."""

from __future__ import annotations

import json

import pytest

from tests.fuzz import generators as g
from tests.fuzz.generators import FuzzInput
from tests.fuzz.props import Family, params, run_family


def _no_eof(rnd):
    item = g.gen_pdf(rnd, "valid")
    item.data = item.data.replace(b"%%EOF", b"")
    return item


def _tagged(make, *tags):
    def tagged(rnd):
        item = make(rnd)
        item.tags = [rnd.choice(tags)] if len(tags) > 1 else list(tags)
        return item

    return tagged


def _surrogate_facts(rnd):
    case = json.loads(json.dumps(rnd.choice(g.valid_cases())))
    g.set_field(case, rnd.choice(["requests.text", "requests.claims_administrator_guideline"]),
                rnd.choice(["\ud800", "x\udfff", "MRI \udc80 lumbar"]), rnd)  # fmt: skip
    item = FuzzInput("json", ".json", json.dumps(case).encode(), mutation="surrogate")
    item.tags = ["facts", rnd.choice(["json", "text"])]
    return item


FAMILIES = [
    Family("review-json", g.gen_json, 40, command=True),
    Family("review-text-format", _tagged(g.gen_json, "text"), 15, command=True),
    Family("facts", _tagged(g.gen_json, "facts"), 15, command=True),
    Family("facts-yaml-text", _tagged(g.gen_yaml, "facts", "text"), 10, command=True),
    Family("parse-formats", _tagged(g.gen_letter, "json", "table"), 15, command=True),
    Family("review-yaml", g.gen_yaml, 30, command=True),
    Family("review-jsonl", g.gen_jsonl, 20, command=True),
    Family("review-text", g.gen_text, 20, command=True),
    Family("parse-letter", g.gen_letter, 30, command=True),
    Family("pdf-mutated", g.gen_pdf, 40, command=True),
    Family("pdf-without-eof", _no_eof, 5, "pdf_warnings_on_stderr", command=True),
    Family("facts-lone-surrogates", _surrogate_facts, 10, "facts_surrogate_output", command=True),
]


@pytest.mark.parametrize("family", params(FAMILIES))
def test_command(family, tmp_path):
    run_family(family, tmp_path)
