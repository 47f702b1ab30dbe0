"""How review time grows with case length: seconds per 100 KB of clinical text at about
10 KB, 100 KB and 1 MB, for fact extraction alone and for a whole review.

Run: `.venv/bin/python bench/review_scale.py [--sizes 10,100,1000] [--rounds N] [--records]`.
Target (issue 8): a 1 MB case reviewed in under 10 s; seconds per 100 KB roughly flat from
10 KB to 1 MB (linear time). Reported, not asserted.

The text is progress-note paragraphs written for this bench (pain scores, therapy visits,
medications, examination, imaging, utilization review), varied by a seeded random choice
of values; the same size always gives the same text.
By default it is one clinical summary (the worst case: one long text); with --records the
same text is split into records of about 5 KB each, as a case file of many notes would be.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._one_core import pin_to_one_core  # noqa: E402

from openimr.intake.case_file import intake_case  # noqa: E402
from openimr.intake.facts import extract_facts  # noqa: E402
from openimr.intake.requests import parse_request  # noqa: E402
from openimr.model import Case, Record  # noqa: E402
from openimr.review.engine import review_case  # noqa: E402

KB = 1000

PARAGRAPHS = [
    "Progress note {date}. The patient returns for follow-up of {region} pain. She rates her "
    "pain {score}/10 today, {score2}/10 at best with medications. She has completed {n} "
    "sessions of physical therapy to date with {pct}% improvement in her ability to sit and "
    "stand. She denies bowel or bladder dysfunction.",
    "Current medications: Norco 10/325 mg one tablet every {hours} hours as needed, "
    "naproxen 550 mg twice daily, cyclobenzaprine 7.5 mg at bedtime and omeprazole 20 mg "
    "daily. She has been taking Norco for {n} months. No side effects were reported.",
    "Physical examination: tenderness to palpation over the {region} paraspinal muscles. "
    "Straight leg raise is {result} on the {side} at {deg} degrees. Sensation is decreased "
    "in the {side} L5 dermatome. Motor strength is 5/5 in the lower extremities. Reflexes "
    "are 2+ and symmetric.",
    "MRI of the lumbar spine dated {date} showed a {mm} mm disc protrusion at L4-5 with "
    "mild neural foraminal narrowing. Electrodiagnostic studies were not performed. There "
    "is no evidence of instability on flexion and extension views.",
    "Treatment to date has included {n} chiropractic visits, {n2} acupuncture sessions, a "
    "home exercise program and activity modification. She reports that acupuncture helped "
    "for about {weeks} weeks. She is working modified duty with no lifting over {lbs} "
    "pounds.",
    "Utilization review dated {date} non-certified the request for {n} additional physical "
    "therapy visits, stating that there was no documented functional improvement from prior "
    "therapy. The patient disagrees and reports she can now walk {blocks} blocks.",
    "Assessment: lumbar radiculopathy, {region} strain and chronic pain syndrome. Plan: "
    "continue the home exercise program, refill medications, and request {n} sessions of "
    "physical therapy 2x{weeks}. She may be a candidate for an epidural steroid injection "
    "if symptoms persist. Return in {weeks} weeks.",
    "Interval history: since the last visit on {date} her pain has {trend}. She reports "
    "difficulty sleeping and rates her pain {score}/10. She tried a TENS unit in therapy, "
    "which provided {pct}% relief for {hours} hours. She denies new injury.",
    "Psychological screening: she reports depressed mood and anxiety related to her chronic "
    "pain. PHQ-9 score is {n}. She has not had cognitive behavioral therapy. Referral to a "
    "pain psychologist was discussed and she is willing to attend.",
    "Work status: temporarily partially disabled. She was seen for {n} visits of work "
    "conditioning in {year} without return to full duty. Her job requires standing for "
    "{hours} hours a day and lifting up to {lbs} pounds.",
]
VALUES = {
    "region": ["low back", "neck", "right shoulder", "left knee", "lumbar", "cervical"],
    "side": ["right", "left"],
    "result": ["positive", "negative"],
    "trend": ["improved slightly", "worsened", "remained unchanged"],
}


def clinical_text(size: int, seed: int = 8) -> str:
    """About ``size`` characters of progress-note paragraphs, the same for the same size."""
    rng = random.Random(seed)
    day = dt.date(2013, 1, 7)
    paragraphs: list[str] = []
    total = 0
    while total < size:
        day += dt.timedelta(days=rng.randint(1, 9))
        values = {key: rng.choice(choices) for key, choices in VALUES.items()}
        values.update(
            date=day.strftime("%m/%d/%Y"),
            year=day.year,
            score=rng.randint(3, 9),
            score2=rng.randint(1, 5),
            n=rng.randint(2, 24),
            n2=rng.randint(2, 12),
            pct=rng.choice([20, 30, 40, 50, 60]),
            hours=rng.choice([4, 6, 8]),
            deg=rng.choice([30, 40, 45, 60]),
            mm=rng.randint(2, 7),
            weeks=rng.randint(2, 8),
            lbs=rng.choice([10, 15, 20, 25]),
            blocks=rng.randint(1, 6),
        )
        paragraph = rng.choice(PARAGRAPHS).format(**values)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)


REQUESTS = [
    "Physical therapy 2x4 lumbar spine",
    "Acupuncture 6 visits",
    "Norco 10/325 mg #90",
    "Lumbar epidural steroid injection L4-5",
]


def make_case(size: int, records: bool) -> Case:
    text = clinical_text(size)
    requests = [parse_request(title) for title in REQUESTS]
    if not records:
        return Case(
            case_id=f"scale-{size}",
            decision_date=dt.date(2014, 6, 1),
            clinical_summary=text,
            requests=requests,
        )
    notes, current = [], ""
    for paragraph in text.split("\n\n"):
        current = f"{current}\n\n{paragraph}" if current else paragraph
        if len(current) >= 5 * KB:
            notes.append(current)
            current = ""
    if current:
        notes.append(current)
    return Case(
        case_id=f"scale-{size}-records",
        decision_date=dt.date(2014, 6, 1),
        clinical_summary=notes[0],
        records=[Record(kind="progress note", text=note) for note in notes[1:]],
        requests=requests,
    )


def _case_texts(case: Case) -> list[str]:
    return [case.clinical_summary] + [r.text for r in case.records]


def _best(run, rounds: int) -> tuple[float, float]:
    """The best (least CPU) of ``rounds`` runs: (CPU seconds, wall seconds)."""
    best = (float("inf"), float("inf"))
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        run()
        best = min(best, (time.process_time() - cpu, time.perf_counter() - wall))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="case sizes in KB")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per size (best)")
    parser.add_argument("--records", action="store_true", help="split into ~5 KB records")
    args = parser.parse_args()
    pin_to_one_core()

    # Warm-up: imports, the NLP pipeline, the rules.
    review_case(intake_case(make_case(2 * KB, args.records)))
    # CPU time as well as wall time: on a shared machine the wall clock counts the others.
    print(f"one core, best of {args.rounds}; seconds per 100 KB of text (cpu / wall)")
    columns = ("size", 7), ("facts", 6), ("extract s", 10), ("per 100KB", 12), ("review s", 9)
    print(" ".join(f"{name:>{width}}" for name, width in columns), f"{'per 100KB':>12}")
    for kb in (int(s) for s in args.sizes.split(",")):
        case = make_case(kb * KB, args.records)
        chars = sum(len(t) for t in _case_texts(case))
        facts = sum(len(extract_facts(t)) for t in _case_texts(case))
        extract = _best(
            lambda case=case: [extract_facts(t) for t in _case_texts(case)], args.rounds
        )
        review = _best(lambda case=case: review_case(intake_case(case)), args.rounds)
        per = 100 * KB / chars
        print(
            f"{chars / KB:>5.0f}KB {facts:>6} {extract[0]:>10.2f} "
            f"{extract[0] * per:>5.2f} / {extract[1] * per:>4.2f} {review[0]:>9.2f} "
            f"{review[0] * per:>5.2f} / {review[1] * per:>4.2f}"
        )


if __name__ == "__main__":
    main()
