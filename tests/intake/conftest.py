"""Shared fixtures: the seed letters' clinical case summaries (from ../shared/corpus/seeds)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SEEDS = Path(os.environ.get("OPENIMR_SEEDS", Path(__file__).parents[3] / "shared/corpus/seeds"))


def summary_of(letter: str) -> str:
    """The clinical case summary of a letter, cut by its headings (no letter parser needed)."""
    start = letter.index("CLINICAL CASE SUMMARY")
    start = letter.index("medical records:", start) + len("medical records:")
    end = letter.index("IMR ISSUES, DECISIONS AND RATIONALES", start)
    return letter[start:end].strip()


@pytest.fixture(scope="session")
def seed_letters() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed letters not found at {SEEDS}")
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_texts(seed_letters: dict[str, str]) -> dict[str, str]:
    """Clinical case summary of each seed, keyed by its number ("000".."004")."""
    return {key: summary_of(text) for key, text in seed_letters.items()}


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    path = SEEDS / "gold.json"
    if not path.is_file():
        pytest.skip(f"gold annotations not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))["documents"]
