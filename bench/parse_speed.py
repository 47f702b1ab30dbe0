"""How fast `openimr parse` reads letters: letters per second on one core, text and PDF.

Run: `make bench` (or `.venv/bin/python bench/parse_speed.py [--rounds N]`).
Target (issue 2): 1,000 seed-sized text letters a second. Reported, not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._one_core import pin_to_one_core  # noqa: E402
from tests.conftest import seed_paths, text_to_pdf  # noqa: E402

from openimr.intake.published.reader import parse_letter_file  # noqa: E402


def _rate(paths: list[Path], rounds: int) -> tuple[float, float]:
    """Letters per second: median over rounds, and the best round."""
    for path in paths:  # warm-up: caches, imports, compiled patterns
        parse_letter_file(path)
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for path in paths:
            parse_letter_file(path)
        rates.append(len(paths) / (time.perf_counter() - start))
    return statistics.median(rates), max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--copies", type=int, default=200, help="copies of each seed per round")
    args = parser.parse_args()
    pin_to_one_core()

    seeds = seed_paths()
    with tempfile.TemporaryDirectory() as folder:
        texts, pdfs = [], []
        for index in range(args.copies):
            for seed in seeds:
                text = seed.read_text(encoding="utf-8")
                target = Path(folder) / f"{index:04d}_{seed.name}"
                target.write_text(text, encoding="utf-8")
                texts.append(target)
                if index < max(1, args.copies // 20):
                    pdfs.append(text_to_pdf(text, target.with_suffix(".pdf")))
        text_rate, text_best = _rate(texts, args.rounds)
        pdf_rate, pdf_best = _rate(pdfs, args.rounds)
    size = statistics.mean(len(seed.read_text(encoding="utf-8")) for seed in seeds)
    print(f"seed letters: {len(seeds)}, mean size {size:,.0f} characters; one core")
    print(
        f"text: {text_rate:,.0f} letters/s median, {text_best:,.0f} best "
        f"({len(texts)} letters x {args.rounds} rounds; target 1,000/s)"
    )
    print(f"pdf:  {pdf_rate:,.1f} letters/s median, {pdf_best:,.1f} best ({len(pdfs)} letters)")


if __name__ == "__main__":
    main()
