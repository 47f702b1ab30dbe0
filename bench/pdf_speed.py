"""How fast openimr renders a draft letter as PDF: the first render in a fresh process
(WeasyPrint's import and library look-ups included), renders in-process after warm-up, and
the wall time of one `openimr review --format pdf` command (start-up included). It also
counts the programs a fresh process starts while rendering (ctypes' find_library runs gcc
and ldconfig for each library name it is asked to find).

Run: `.venv/bin/python bench/pdf_speed.py [--rounds N] [--commands N] [--seed NAME]`.
Reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._one_core import pin_to_one_core  # noqa: E402
from tests.conftest import seed_paths  # noqa: E402

# Run in a fresh interpreter: counts the programs started (by name) while one case is
# reviewed and its PDF rendered, and times the render alone.
_FRESH = r"""
import collections, json, subprocess, sys, time
from pathlib import Path
started = collections.Counter()
_init = subprocess.Popen.__init__
def _counting(self, args, *rest, **kwargs):
    first = args if isinstance(args, str) else args[0]
    started[Path(str(first).split()[0]).name] += 1
    _init(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = _counting
from openimr.intake.case_file import intake_case, load_case
from openimr.letters.render import render_letter
from openimr.review.engine import review_case
result = review_case(intake_case(load_case(Path(sys.argv[1]))))
start = time.perf_counter()
render_letter(result.determination, result.case, result.case.clinical_summary, "pdf")
print(json.dumps({"first_render": time.perf_counter() - start, "started": started}))
"""


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed in-process renders")
    parser.add_argument("--commands", type=int, default=5, help="timed `openimr review` runs")
    parser.add_argument("--seed", default="002", help="seed letter (file name prefix)")
    args = parser.parse_args()
    pin_to_one_core()
    sys.path.insert(0, str(ROOT / "src"))
    from openimr.intake.case_file import intake_case, load_case
    from openimr.letters.render import render_letter
    from openimr.review.engine import review_case

    (seed,) = [path for path in seed_paths() if path.name.startswith(args.seed)]

    fresh = subprocess.run(
        [sys.executable, "-c", _FRESH, str(seed)],
        check=True,
        capture_output=True,
        text=True,
        env=_environment(),
    )
    report = json.loads(fresh.stdout.splitlines()[-1])
    started = ", ".join(f"{name} x{n}" for name, n in sorted(report["started"].items()))
    print(f"seed {seed.name}, one core")
    print(f"  fresh process, first PDF render: {report['first_render'] * 1000:.0f} ms")
    print(f"  programs started by that process: {started or 'none'}")

    result = review_case(intake_case(load_case(seed)))
    case = result.case  # as the command renders it: the case intake read

    def render() -> None:
        render_letter(result.determination, case, case.clinical_summary, "pdf", facts=result.facts)

    render()  # warm-up
    timings = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        render()
        timings.append(time.perf_counter() - start)
    print(
        f"  in-process after warm-up, {args.rounds} renders: median "
        f"{statistics.median(timings) * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms"
    )

    walls = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "letter.pdf"
        command = [sys.executable, "-m", "openimr.cli", "review", str(seed), "--format", "pdf"]
        for _ in range(args.commands):
            start = time.perf_counter()
            subprocess.run(
                [*command, "--out", str(out)], check=True, capture_output=True, env=_environment()
            )
            walls.append(time.perf_counter() - start)
    print(
        f"  one `openimr review --format pdf` command: median {statistics.median(walls):.2f} s, "
        f"best {min(walls):.2f} s over {args.commands} runs"
    )


if __name__ == "__main__":
    main()
