"""One hypothesis property per family of inputs: the run succeeds or raises UserError.

A family is a generator of one kind of input (see ``generators``) with its example budget.
A family that currently finds a crash names its class (``known.CLASSES``) and is marked
``xfail(strict=True)`` for that class only; crashes of other open classes (each covered by
its own family and reproducer) are tolerated (``known.check``), so that every family still
fails on a crash nobody has reported.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.generators import FuzzInput
from tests.fuzz.harness import run_input, run_input_command
from tests.fuzz.known import BY_NAME, CrashClass, check


def fuzz_settings(examples: int, *, shrink: bool = True) -> settings:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        report_multiple_bugs=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class Family:
    id: str
    make: Callable[[random.Random], FuzzInput]
    examples: int = 50
    expected: str | None = None
    """The crash class this family shows now (its test is xfail for that class)."""
    review: bool | None = None
    """Review the cases that load (None: as the generator says)."""
    command: bool = False
    """Run the whole `openimr` command and check its standard error."""

    @property
    def crash(self) -> CrashClass | None:
        return BY_NAME[self.expected] if self.expected else None


def params(families: list[Family]) -> list:
    return [pytest.param(f, id=f.id, marks=f.crash.marks() if f.crash else []) for f in families]


def run_family(family: Family, folder: Path) -> None:
    expected = family.crash

    # An expected failure is not shrunk: its reproducer is in crashers/ already.
    @fuzz_settings(family.examples, shrink=expected is None)
    @given(st.randoms(use_true_random=False))
    def prop(rnd: random.Random) -> None:
        item = family.make(rnd)
        if family.command:
            outcome = run_input_command(item, folder).outcome
        else:
            outcome = run_input(item, folder, review=family.review)
        check(outcome, expected)

    prop()
