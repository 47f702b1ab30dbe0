"""A year of cases through `openimr review`: cases per second, peak memory and memory growth,
with one process and with all cores, and what 170,000 cases would take on this machine.

Run: `.venv/bin/python bench/review_batch.py [--cases 2000] [--jobs 1,all] [--keep FILE]`.
Reported, not asserted. Target (issue measurement): memory flat after warm-up (growth per
1,000 cases near zero), output the same bytes whatever ``--jobs``.

The cases are short clinical summaries written for this bench (an injury, treatment to date,
pain scores, examination, medications, work status) with one to three requests, varied by a
seeded random choice; the same ``--cases`` and ``--seed`` always give the same file.

Memory is the resident set of the command and its worker processes together, sampled as
the determinations come out; growth is the slope of a least-squares line through the
samples after the first fifth of the cases (the warm-up: imports, the NLP pipeline, the
rules), per 1,000 cases. With several processes the sum counts the pages they share once
per process, so the peak is an upper bound.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
YEAR = 170_000
MB = 1024 * 1024

INJURIES = [
    "lifting boxes at work",
    "a fall from a ladder",
    "a slip on a wet floor",
    "repetitive keyboard use",
    "a motor vehicle collision while driving for work",
    "pushing a heavy cart",
    "twisting while carrying a patient",
]
REGIONS = [
    ("lumbar", "low back", "lumbar spine"),
    ("cervical", "neck", "cervical spine"),
    ("shoulder", "right shoulder", "right shoulder"),
    ("knee", "left knee", "left knee"),
    ("wrist", "right wrist", "right wrist"),
]
DIAGNOSES = {
    "lumbar": ["lumbar strain", "lumbar radiculopathy", "lumbar disc protrusion at L5-S1"],
    "cervical": ["cervical strain", "cervical radiculopathy", "cervical spondylosis"],
    "shoulder": ["rotator cuff tendinitis", "shoulder impingement", "partial rotator cuff tear"],
    "knee": ["knee sprain", "medial meniscus tear", "patellofemoral pain"],
    "wrist": ["carpal tunnel syndrome", "wrist sprain", "de Quervain tenosynovitis"],
}
SENTENCES = [
    "She has completed {pt} sessions of physical therapy with {pct}% improvement in function.",
    "He reports that physical therapy ({pt} visits) did not help and his pain is unchanged.",
    "Pain is rated {score}/10 without medication and {low}/10 with medication.",
    "She describes the pain as {score} out of 10, worse with sitting and bending.",
    "Examination shows tenderness over the {place} with range of motion reduced by {pct}%.",
    "Strength is 5/5 and sensation is intact; reflexes are symmetric.",
    "Sensation is decreased along the {side} side and strength is 4/5.",
    "Imaging from {month} showed mild degenerative change and no fracture.",
    "No imaging has been done since the injury.",
    "Current medications are ibuprofen 800 mg three times a day and omeprazole 20 mg daily.",
    "He takes tramadol 50 mg twice a day and has done so for {months} months.",
    "She has been on hydrocodone 10/325 mg for {months} months with no urine drug screen on file.",
    "A home exercise program was taught and he does it most days.",
    "She denies numbness, weakness, fever or loss of bladder control.",
    "He had {ac} acupuncture treatments last year with about {pct}% relief.",
    "Chiropractic care was tried for {weeks} weeks without lasting benefit.",
    "The patient is working modified duty with no lifting over {lbs} pounds.",
    "The patient has been off work since {month}.",
    "Mood is low; she reports poor sleep because of the pain.",
    "A TENS unit was used in therapy and helped for a few hours at a time.",
]
REQUESTS = {
    "lumbar": [
        "Physical therapy {n} visits lumbar spine",
        "MRI lumbar spine without contrast",
        "Lumbar epidural steroid injection L5-S1",
        "Chiropractic manipulation x{n} low back",
    ],
    "cervical": [
        "Physical therapy 2x{w} cervical spine",
        "MRI cervical spine",
        "Cervical traction unit for home use",
    ],
    "shoulder": [
        "Physical therapy {n} sessions right shoulder",
        "MRI right shoulder",
        "Subacromial corticosteroid injection right shoulder",
    ],
    "knee": [
        "Physical therapy {n} visits left knee",
        "MRI left knee",
        "Left knee arthroscopy with partial meniscectomy",
    ],
    "wrist": [
        "Occupational therapy {n} visits right wrist",
        "Wrist splint, right",
        "EMG/NCV bilateral upper extremities",
    ],
}
ANY_REGION = [
    "Acupuncture x{n}",
    "Tramadol 50 mg #{q}",
    "Ibuprofen 800 mg #{q}",
    "Cyclobenzaprine 10 mg #{q}",
    "Hydrocodone/APAP 10/325 mg #{q}",
    "TENS unit, 30-day rental",
    "Cognitive behavioral therapy 6 sessions",
    "Functional restoration program evaluation",
    "Urine drug screen",
]
VISITS = [
    "On {date} Dr. {name} noted {score}/10 pain and continued the plan.",
    "Seen by {name}, PA-C, on {date}; no change in the examination.",
    "Utilization review by Dr. {name} on {date} (reference {ref}) did not certify the request.",
    "Qualified medical evaluation by Dr. {name} dated {date}.",
]
SYLLABLES = ["an", "bel", "cor", "da", "ev", "fra", "gor", "hal", "is", "jen", "ko", "lam"]
SYLLABLES += ["mer", "nov", "or", "pel", "quin", "ros", "sta", "tor", "ul", "ven", "wes", "zel"]
JOBS = ["warehouse worker", "nurse", "clerk", "driver", "cook"]
MONTHS = ["January", "March", "April", "June", "August", "October", "December"]


def make_case(index: int, rng: random.Random) -> dict:
    """One short case: a summary of about a thousand characters and one to three requests."""
    key, where, place = rng.choice(REGIONS)
    injured = dt.date(2013, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    decided = injured + dt.timedelta(days=rng.randint(90, 900))
    values = {
        "pt": rng.randint(2, 24),
        "pct": rng.choice([10, 20, 25, 30, 40, 50]),
        "score": rng.randint(4, 9),
        "low": rng.randint(1, 4),
        "place": place,
        "side": rng.choice(["right", "left"]),
        "month": f"{rng.choice(MONTHS)} {injured.year}",
        "months": rng.randint(2, 30),
        "ac": rng.randint(3, 12),
        "weeks": rng.randint(2, 10),
        "lbs": rng.choice([10, 15, 20, 25]),
    }
    age = rng.randint(24, 66)
    opening = (
        f"This {age}-year-old {rng.choice(JOBS)}"
        f" injured the {where} on {injured:%m/%d/%Y} from {rng.choice(INJURIES)}. "
        f"Diagnosis: {rng.choice(DIAGNOSES[key])}."
    )
    body = [s.format(**values) for s in rng.sample(SENTENCES, rng.randint(4, 8))]
    # Names, dates and reference numbers: the words that differ from case to case, as in
    # real records (every new word is one more entry in the NLP vocabulary).
    for _ in range(rng.randint(3, 8)):
        seen = injured + dt.timedelta(days=rng.randint(7, (decided - injured).days))
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).title()
        visit = {"date": f"{seen:%m/%d/%Y}", "name": name, "ref": rng.randint(10**7, 10**8)}
        body.append(rng.choice(VISITS).format(**visit, score=rng.randint(3, 9)))
    rng.shuffle(body)
    titles = rng.sample(REQUESTS[key], rng.randint(1, 2)) + rng.sample(ANY_REGION, 1)
    numbers = {
        "n": rng.choice([6, 8, 10, 12]),
        "w": rng.randint(3, 6),
        "q": rng.choice([30, 60, 90]),
    }
    return {
        "case_id": f"bench-{index:06d}",
        "decision_date": decided.isoformat(),
        "clinical_summary": " ".join([opening, *body]),
        "requests": [{"text": t.format(**numbers)} for t in titles[: rng.randint(1, 3)]],
    }


def write_cases(path: Path, cases: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        for index in range(cases):
            stream.write(json.dumps(make_case(index, rng), ensure_ascii=False) + "\n")


def _tree_rss(process: psutil.Process, cpu: dict[int, float]) -> int:
    """The resident set of a process and its descendants; ``cpu`` gets each one's CPU time."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
            times = member.cpu_times()
            cpu[member.pid] = times.user + times.system
    return total


def run(cases_file: Path, jobs: str | None, cases: int, env: dict) -> dict:
    """One `openimr review` run: seconds, the RSS samples (cases done, bytes) and a digest.
    ``jobs``: a number, "all" (the default of the command) or None (a tree with no --jobs)."""
    command = [sys.executable, "-m", "openimr.cli", "review", str(cases_file)]
    command += ["--format", "jsonl", "--no-progress"]
    if jobs not in (None, "all"):
        command += ["--jobs", jobs]
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT
    )
    watched = psutil.Process(child.pid)
    done = [0]
    samples: list[tuple[int, int]] = []
    peak = [0]
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            rss = _tree_rss(watched, cpu)
            peak[0] = max(peak[0], rss)
            samples.append((done[0], rss))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    digest = hashlib.sha256()
    assert child.stdout is not None
    for line in child.stdout:
        digest.update(line)
        done[0] += 1
    stderr = child.stderr.read().decode() if child.stderr else ""
    child.wait()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if child.returncode != 0 or done[0] != cases:
        raise SystemExit(f"review failed ({child.returncode}, {done[0]} lines): {stderr[-400:]}")
    return {
        "seconds": seconds,
        "cpu": sum(cpu.values()),
        "samples": samples,
        "peak": peak[0],
        "digest": digest.hexdigest(),
    }


def growth_per_1000(samples: list[tuple[int, int]], cases: int) -> float:
    """Least-squares slope of RSS over cases done, after the first fifth, in MB per 1,000."""
    points = [(n, rss) for n, rss in samples if cases // 5 <= n < cases]
    if len(points) < 3 or len({n for n, _ in points}) < 2:
        return float("nan")
    mean_n = sum(n for n, _ in points) / len(points)
    mean_r = sum(r for _, r in points) / len(points)
    slope = sum((n - mean_n) * (r - mean_r) for n, r in points) / sum(
        (n - mean_n) ** 2 for n, _ in points
    )
    return slope * 1000 / MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="synthetic cases to review")
    parser.add_argument("--seed", type=int, default=170)
    parser.add_argument("--jobs", default="1,all", help="comma-separated: numbers or 'all'")
    parser.add_argument("--keep", type=Path, help="also write the generated cases here")
    parser.add_argument(
        "--before",
        type=Path,
        help="a source tree (its src/) to run first, in one process, for a before/after: "
        "e.g. `git archive COMMIT src | tar -x -C /tmp/before`",
    )
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory() as folder:
        cases_file = args.keep or Path(folder) / "cases.jsonl"
        write_cases(cases_file, args.cases, args.seed)
        size = cases_file.stat().st_size
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"{args.cases} cases ({size / MB:.1f} MB JSONL), {cores} cores on this machine, "
            f"load average {load:.1f} (other work slows the wall clock; CPU s is the sum "
            "over the processes, sampled every 0.25 s)"
        )
        trees = [("after", ROOT)]
        if args.before and not (args.before / "src" / "openimr").is_dir():
            raise SystemExit(f"--before {args.before}: no src/openimr there")
        if args.before:
            trees.insert(0, ("before", args.before.resolve()))
        print(
            f"{'tree':>6} {'jobs':>4} {'seconds':>8} {'CPU s':>7} {'cases/s':>8} "
            f"{'peak RSS MB':>12} {'MB/1000 cases':>14} {'170k h':>7} {'idle':>5}  output sha256"
        )
        for name, tree in trees:
            env = {**os.environ, "PYTHONPATH": str(tree / "src")}
            # The tree before is run once, as it runs by default (it may have no --jobs).
            for jobs in args.jobs.split(",") if name == "after" else ["1"]:
                result = run(cases_file, jobs if name == "after" else None, args.cases, env)
                rate = args.cases / result["seconds"]
                growth = growth_per_1000(result["samples"], args.cases)
                used = cores if jobs == "all" else min(int(jobs or 1), cores)
                # On a machine of our own: the CPU time shared among the processes used.
                idle = YEAR * result["cpu"] / args.cases / used / 3600
                print(
                    f"{name:>6} {used:>4} {result['seconds']:>8.1f} {result['cpu']:>7.1f} "
                    f"{rate:>8.1f} {result['peak'] / MB:>12.0f} {growth:>14.2f} "
                    f"{YEAR / rate / 3600:>7.2f} {idle:>5.2f}  {result['digest'][:16]}"
                )
        print(
            "170k h: hours for 170,000 cases at the rate measured here; idle: the same from the "
            "CPU time, on this machine with nothing else running."
        )


if __name__ == "__main__":
    main()
