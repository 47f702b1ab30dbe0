"""Snapshot every determination the repository can produce, to compare two versions of the
engine: `python bench/snapshot.py OUT_DIR`, then `diff -r OLD_DIR NEW_DIR` (or `--compare OLD`).

Covers the written cases (../shared/eval), the seed letters, the letter fixtures and the golden
review cases, each reviewed in-process with a fixed "today" so that the output does not depend
on the day it runs. One JSON Lines file per group, one line per case, in a stable order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openimr.errors import UserError  # noqa: E402
from openimr.intake.case_file import case_sources, intake_case, load_case  # noqa: E402
from openimr.review.contract import determination_json, dumps  # noqa: E402
from openimr.review.engine import review_case  # noqa: E402

SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "tests" / "intake" / "published" / "fixtures"
TODAY = dt.date(2026, 12, 1)


def _line(case) -> str:
    review = review_case(intake_case(case), today=TODAY)
    return dumps(determination_json(review.determination, date_basis=review.date.basis))


def _written(out: Path) -> list[str]:
    source = SHARED / "eval" / "written-cases.jsonl"
    stripped = out / "_written_input.jsonl"
    with stripped.open("w", encoding="utf-8") as f:
        for line in source.read_text(encoding="utf-8").splitlines():
            case = {k: v for k, v in json.loads(line).items() if k != "style"}
            case["requests"] = [{"text": r["text"]} for r in case["requests"]]
            f.write(json.dumps(case) + "\n")
    lines = [_line(read()) for _, read in case_sources(stripped)]
    stripped.unlink()
    return lines


def _files(paths: list[Path]) -> list[str]:
    lines = []
    for path in paths:
        try:
            lines.append(_line(load_case(path)))
        except UserError as exc:
            lines.append(json.dumps({"error": str(exc).replace(str(ROOT.parent), "")}))
    return lines


def _golden() -> list[str]:
    from tests.review.test_golden_cases import _case, _cases

    return [_line(_case(case_id)) for case_id in sorted(_cases())]


GROUPS = {
    "written": _written,
    "seeds": lambda out: _files(sorted((SHARED / "corpus" / "seeds").glob("*.txt"))),
    "fixtures": lambda out: _files(
        sorted((ROOT / "tests" / "intake" / "published" / "fixtures").glob("*.txt"))
    ),
    "golden": lambda out: _golden(),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the snapshot into")
    parser.add_argument("--compare", type=Path, help="an earlier snapshot folder to diff with")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, make in GROUPS.items():
        lines = make(args.out)
        (args.out / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(lines)} cases", file=sys.stderr)
    if args.compare:
        differ = 0
        for name in GROUPS:
            old = (args.compare / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            new = (args.out / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            changed = [i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
            differ += len(changed) + abs(len(old) - len(new))
            for i in changed:
                print(f"{name}[{i}]: {json.loads(new[i]).get('case_id')} differs")
        print(f"{differ} determinations differ", file=sys.stderr)


if __name__ == "__main__":
    main()
