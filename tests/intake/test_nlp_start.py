"""The NLP pipeline is built without importing spaCy's command line, which stays importable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

_PROGRAM = r"""
import json, sys
from openimr.intake.facts import nlp
nlp.pipeline()
before = {"cli": "spacy.cli" in sys.modules, "typer": "typer" in sys.modules}
import spacy
import spacy.cli
print(json.dumps({**before, "real": hasattr(spacy.cli, "__path__"),
                  "info": callable(spacy.info),
                  "tokens": [t.text for t in nlp.pipeline()("Low back pain.Positive SLR")]}))
"""


def test_the_pipeline_is_built_without_spacys_command_line_which_stays_importable():
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _PROGRAM],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["cli"] is False and seen["typer"] is False
    assert seen["real"] is True and seen["info"] is True
    assert seen["tokens"] == ["Low", "back", "pain", ".", "Positive", "SLR"]
