"""How well each predicate is answered from the records: precision and recall per predicate
on the blind statements in tests/predicates/statements/ (written from the guideline facts and
the writing styles by authors who had not read the extraction rules).

Each statement is a short passage, the request it is about and a decision date; it says what
the predicate's answer is (a value, or null: the passage does not answer it). The passage is
read as a case's clinical summary, exactly as a case file would be.

    python bench/predicates.py [--predicate ID] [--misses] [--json]

Recall: of the statements that answer the predicate, the share answered right. Precision: of
the answers openimr gives, the share that are right (an answer where the passage says nothing
counts against it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openimr.intake.case_file import intake_case  # noqa: E402
from openimr.intake.requests import parse_request  # noqa: E402
from openimr.model import Case, ReviewerAssessment  # noqa: E402
from openimr.pack.answers import Predicates  # noqa: E402
from openimr.review.engine import default_pack  # noqa: E402
from openimr.yamlload import load_yaml  # noqa: E402

STATEMENTS = ROOT / "tests" / "predicates" / "statements"
SETS = {"statements": STATEMENTS, "heldout": ROOT / "tests" / "predicates" / "heldout"}


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def answer(predicate: str, statement: dict):
    """openimr's answer to the predicate for one statement (None: not documented)."""
    request = parse_request(statement["request"])
    case = Case(
        case_id=statement["id"],
        decision_date=_day(statement["decision_date"]),
        clinical_summary=statement["text"],
        requests=[request],
    )
    intake = intake_case(case)
    found = Predicates(
        default_pack(), intake.facts, intake.case.requests[0], _day(statement["decision_date"])
    ).get(predicate)
    # A predicate left to the physician reviewer has no answer from the records.
    return None if found is None or isinstance(found, ReviewerAssessment) else found.value


def same(kind: str, expected, got) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if kind == "number":
        try:
            return abs(float(got) - float(expected)) <= max(0.5, 0.05 * abs(float(expected)))
        except (TypeError, ValueError):
            return False
    if kind == "set":
        return set(got if isinstance(got, list) else [got]) == set(expected)
    return got == expected


def measure(only: str | None = None, folder: Path = STATEMENTS) -> dict:
    rows = {}
    for path in sorted(folder.glob("*.yaml")):
        spec = load_yaml(path.read_text(encoding="utf-8"))
        predicate = spec["predicate"]
        if only and predicate != only:
            continue
        kind = spec["type"]
        counts = defaultdict(int)
        misses = []
        for statement in spec["statements"]:
            expected = statement["expect"]
            got = answer(predicate, statement)
            right = same(kind, expected, got)
            counts["statements"] += 1
            counts["answerable"] += expected is not None
            counts["answered"] += got is not None
            counts["right_answers"] += right and got is not None
            if not right:
                misses.append({"id": statement["id"], "style": statement["style"],
                               "expected": expected, "got": got})  # fmt: skip
        answerable, answered = counts["answerable"], counts["answered"]
        rows[predicate] = {
            **counts,
            "recall": round(counts["right_answers"] / answerable, 3) if answerable else None,
            "precision": round(counts["right_answers"] / answered, 3) if answered else None,
            "answered_by": bool(default_pack().predicates[predicate].answered_by),
            "misses": misses,
        }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predicate", help="one predicate only")
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="statements",
        help="statements: the development set; heldout: the set kept apart (measure only)",
    )
    args = parser.parse_args()
    rows = measure(args.predicate, SETS[args.set])
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return
    print(f"{'predicate':42} {'n':>4} {'ans':>4} {'recall':>7} {'prec':>6}  source")
    totals = defaultdict(int)
    for predicate, r in rows.items():
        recall = "-" if r["recall"] is None else f"{r['recall']:.2f}"
        precision = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        source = "answered_by" if r["answered_by"] else "none"
        print(f"{predicate:42} {r['statements']:4} {r['answerable']:4} {recall:>7} "
              f"{precision:>6}  {source}")  # fmt: skip
        for key in ("statements", "answerable", "answered", "right_answers"):
            totals[key] += r[key]
        if args.misses:
            for miss in r["misses"]:
                print(f"    {miss['id']} ({miss['style']}): expected {miss['expected']!r}, "
                      f"got {miss['got']!r}")  # fmt: skip
    recall = totals["right_answers"] / totals["answerable"] if totals["answerable"] else 0
    precision = totals["right_answers"] / totals["answered"] if totals["answered"] else 0
    print(
        f"ALL predicates={len(rows)} statements={totals['statements']} "
        f"recall={recall:.3f} precision={precision:.3f}"
    )


if __name__ == "__main__":
    main()
