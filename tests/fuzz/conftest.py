"""The fuzz tests: bounded, derandomized hypothesis properties (one per family of inputs,
see ``props.py``) and one plain test per reproducer in ``crashers/`` (``test_crashers.py``).
The long run is ``bench/fuzz.py``; both use ``generators.py`` and ``harness.py``."""

from __future__ import annotations

from tests.fuzz.known import CLASSES


def pytest_report_header(config):
    return f"openimr fuzz: {len(CLASSES)} known crash classes (tests/fuzz/known.py)"
