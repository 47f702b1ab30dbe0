"""How fast `openimr review` decides: time per case in-process after warm-up, and the wall
time of one `openimr review` command (start-up included).

Run: `make bench` (or `.venv/bin/python bench/review_speed.py [--rounds N]`).
Targets (issue 11): at most 15 ms a case in-process (median); at most 1.5 s for one command.
The in-process time is given as a process starts (with the prefilter of intake/prefilter.py
that an earlier run compiled, if any) and in a batch (every pattern met compiled);
OPENIMR_PREFILTER=off gives it without the prefilter.
Reported, not asserted.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._one_core import pin_to_one_core  # noqa: E402
from tests.conftest import seed_paths  # noqa: E402

from openimr.intake.case_file import intake_case, load_case  # noqa: E402
from openimr.intake.prefilter import PREFILTER  # noqa: E402
from openimr.review.engine import review_case  # noqa: E402


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(cases: list, rounds: int) -> tuple[float, float, float]:
    """Median and 95th percentile ms per case, and cases per second."""
    timings = []
    for _ in range(rounds):
        for case in cases:
            start = time.perf_counter()
            review_case(intake_case(case))
            timings.append(time.perf_counter() - start)
    ms = [t * 1000 for t in timings]
    return statistics.median(ms), _percentile(ms, 0.95), len(timings) / sum(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--commands", type=int, default=5, help="timed `openimr review` runs")
    args = parser.parse_args()
    pin_to_one_core()

    cases = [load_case(path) for path in seed_paths()]
    for case in cases:  # warm-up: imports, NLP pipeline, compiled rules, the pack
        review_case(intake_case(case))
    median, p95, rate = _timed(cases, args.rounds)
    print(f"in-process, {len(cases)} seed cases x {args.rounds} rounds, one core:")
    if PREFILTER.built:
        state = f"with the prefilter an earlier run compiled ({PREFILTER.built} patterns)"
    elif PREFILTER.enabled:
        state = "with no prefilter compiled yet"
    else:
        state = "with the prefilter off (OPENIMR_PREFILTER=off)"
    print(f"  as a process starts, {state}: median {median:.1f} ms/case, p95 {p95:.1f} ms/case")
    if PREFILTER.enabled:
        # A batch compiles every pattern it has met once it has read BUILD_AFTER texts; the
        # same seed cases read again and again never get there, so it is built here.
        start = time.perf_counter()
        PREFILTER.build()
        built = time.perf_counter() - start
        median, p95, rate = _timed(cases, args.rounds)
        print(
            f"  in a batch, the prefilter of every pattern met ({PREFILTER.built}; compiled or "
            f"read in {built:.1f} s): median {median:.1f} ms/case, p95 {p95:.1f} ms/case, "
            f"{rate:.1f} cases/s (target: at most 15 ms a case)"
        )

    # An installed package carries its byte code; an editable checkout where
    # PYTHONDONTWRITEBYTECODE is set (as on this machine) would otherwise compile every
    # changed module on each start (~0.3 s). `make` compiles it the same way.
    compileall.compile_dir(ROOT / "src", quiet=1)
    command = [str(ROOT / ".venv" / "bin" / "openimr"), "review", str(seed_paths()[1])]
    walls = []
    for _ in range(args.commands):
        start = time.perf_counter()
        subprocess.run([*command, "--format", "json"], check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    print(
        f"one `openimr review` command on a seed letter: median {statistics.median(walls):.2f} s, "
        f"best {min(walls):.2f} s over {args.commands} runs (target: at most 1.5 s)"
    )


if __name__ == "__main__":
    main()
